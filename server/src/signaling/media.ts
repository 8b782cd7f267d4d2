import type { Socket } from 'socket.io';
import { ErrorCode, MEDIA_CALLS, PlenaryError, type Ack, type Actor, type ClientToServerEvents, type IceServerInfo, type InterServerEvents, type ServerToClientEvents, type SocketData } from '@plenary/shared';
import type { Caller } from '../media/calls';

type PlenarySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Where a socket's media calls go: the conference's room here, or the process hosting it. */
export interface MediaCalls {
  call(caller: Caller, call: unknown): Promise<Ack<unknown>>;
  /** A socket disconnected: the transports it set up close (wherever the media is hosted). */
  socketGone?(caller: Caller): Promise<void>;
}

interface MediaHandlerDeps {
  media: MediaCalls;
  /** Whether the conference has ended: its media must not come back to life. */
  hasEnded: () => boolean;
  conferenceId: string;
  /** The venue this socket speaks for: all its transports belong to it. */
  venueId: string;
  actor: Actor;
  reply: <T>(ack: unknown, work: () => Promise<Ack<T>>) => void;
  /** Fresh TURN credentials for this venue, when a TURN server is configured. */
  iceServers?: () => IceServerInfo[];
}

/** The calls whose answer sets up ICE on the browser: they carry the TURN servers with fresh credentials. */
const ICE_CALLS: ReadonlySet<string> = new Set(['createTransport', 'restartIce']);

/**
 * WebRTC signalling for one socket (`media:<call>`): transports, produce,
 * consume, resume, all as the socket's own venue, checked and run by the
 * media host (calls.ts), on this process or relayed to the one hosting the
 * conference's media.
 */
export function registerMediaHandlers(socket: PlenarySocket, deps: MediaHandlerDeps): void {
  const { conferenceId, venueId, actor } = deps;
  if (actor.role === 'system') return;
  const caller: Caller = { conferenceId, venueId, role: actor.role, socketId: socket.id };
  const on = socket.on.bind(socket) as (event: string, listener: (...args: unknown[]) => void) => void;
  for (const name of MEDIA_CALLS) {
    // The channel's gate has checked the arity: the ack comes last, a request before it when the call takes one.
    on(`media:${name}`, (...args: unknown[]) => {
      const ack = args[args.length - 1];
      const request = args.length > 1 ? args[0] : undefined;
      deps.reply(ack, async () => {
        if (deps.hasEnded()) throw new PlenaryError(ErrorCode.CONFLICT, 'The conference has ended');
        const answer = await deps.media.call(caller, { name, request });
        // Added here, by the process the socket is on: a call relayed to the process hosting the
        // media answers with the same servers and credentials minted for this socket's venue.
        if (answer.ok && deps.iceServers && ICE_CALLS.has(name)) return { ...answer, data: { ...(answer.data as object), iceServers: deps.iceServers() } };
        return answer;
      });
    });
  }
}

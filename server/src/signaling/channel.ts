import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import {
  ErrorCode,
  MAIN_VENUE,
  PlenaryError,
  SYSTEM,
  fail,
  messageSpec,
  ok,
  rooms,
  type Ack,
  type Actor,
  type Budget,
  type MessageAnswers,
  type MessageName,
  type RequestOf,
  type ConferenceState,
  type CaptionerLink,
  type IceServerInfo,
  type InterpreterLink,
  type JoinLink,
  type Snapshot,
} from '@plenary/shared';
import type { JoinLinks } from '../auth/links';
import type { ConferenceService } from '../conference/service';
import { authenticate, checkStanding, sameIdentity } from './authenticate';
import { TokenBucket } from './ratelimit';
import { guardSessionRecovery } from './sessions';
import type { Limit } from '../app/limits';
import { invalid, reply } from './reply';
import { registerMediaHandlers, type MediaCalls } from './media';
import type { PlenaryIo, PlenarySocket } from './io';

export type { PlenaryIo } from './io';

export interface ChannelDeps {
  conferences: ConferenceService;
  links: JoinLinks;
  /** Mints a venue's current join link (presider's "copy link"). */
  joinLink: (conferenceId: string, venueId: string) => Promise<JoinLink>;
  /** Mints a captions channel's captioner link (presider's "copy link"). */
  captionerLink: (conferenceId: string, channelId: string) => Promise<CaptionerLink>;
  /** Mints an interpretation channel's interpreter link (presider's "copy link"). */
  interpreterLink: (conferenceId: string, channelId: string) => Promise<InterpreterLink>;
  /** Where venues' media calls go: this process's room or the process hosting the conference's media. */
  media: MediaCalls;
  /** Fresh TURN credentials for a venue's transports, when a TURN server is configured. */
  iceServers?: (conferenceId: string, venueId: string) => IceServerInfo[];
  logger: Logger;
  /** Told the code of every refusal or failure answered (metrics). */
  onError?: (code: string) => void;
  /** True once this process is shutting down: its sockets closing are not venues leaving. */
  isClosing?: () => boolean;
  /** How many sockets one venue's join link may hold open at once (default 4: an operator's tabs, not a crowd). */
  socketsPerLink?: number;
  /** Handshakes per client address (shared by every server process in Redis mode). */
  joinLimit: Limit;
  /** The client address a handshake is limited by (the TCP peer, or forwarded by a trusted proxy). */
  clientAddress: (req: IncomingMessage) => string;
  /** How long socket.io keeps a dropped socket's session for recovery (ms). */
  recoveryMs: number;
  /** Told of every venue socket that comes and goes (presence across processes, Redis mode). */
  presence?: { connected(conferenceId: string, venueId: string): void; disconnected(conferenceId: string, venueId: string): void };
}

/** Commands per second per socket, and the burst allowed. */
const COMMAND_RATE = { perSecond: 10, burst: 20 };
/**
 * Media signalling per second per socket. The burst covers a browser's whole setup at once: an
 * operator's (two transports, its camera and microphone, the program and the main venue: about 15
 * calls), and a presider's, who receives every venue (consume and resume each: 4 per venue).
 */
const MEDIA_RATE = { perSecond: 20, burst: (venues: number, role: Actor['role']) => 40 + (role === 'presider' ? 4 * venues : 0) };

/**
 * The venue a socket speaks for: its own sub-venue, the main venue for the presider, and for
 * an interpreter its channel (its media is kept under the channel's id; it is no venue).
 */
export function venueOf(socket: PlenarySocket): string {
  const { actor } = socket.data;
  return actor.role === 'operator' ? actor.venueId : actor.role === 'interpreter' ? actor.channelId : MAIN_VENUE;
}

/**
 * The control channel: authenticates every socket at the handshake, answers
 * every message through its ack with a stable code, keeps venue presence, and
 * sends the full state on every (re)connect that did not recover its session.
 */
export function attachControlChannel(io: PlenaryIo, deps: ChannelDeps): void {
  const { conferences, links, logger } = deps;

  const socketsPerLink = deps.socketsPerLink ?? 4;
  guardSessionRecovery(io, async (data) => {
    try {
      checkStanding(data, await conferences.get(data.conferenceId));
      return true;
    } catch {
      return false;
    }
  }, deps.recoveryMs);

  // Runs for new and recovered sockets alike (skipMiddlewares: false): a session that comes back
  // passes every check a new one does.
  io.use((socket, next) => {
    const admitted = async () => {
      if (!(await deps.joinLimit.take(deps.clientAddress(socket.request))).allowed) {
        throw new PlenaryError(ErrorCode.RATE_LIMITED, 'Too many connection attempts from this address; wait a moment and try again');
      }
      const who = await authenticate(socket, conferences, links);
      // A recovered session is only ever its own identity's: another link cannot take it over.
      if (socket.recovered && !sameIdentity(socket.data, who)) throw new PlenaryError(ErrorCode.UNAUTHENTICATED, 'This session belongs to another join link; connect again without it');
      // A join link is for one venue's room, not for everyone: a few tabs at most (an interpreter's too).
      if (who.actor.role === 'operator' || who.actor.role === 'interpreter') {
        const open = await io.in(rooms.venue(who.conferenceId, who.actor.role === 'operator' ? who.actor.venueId : who.actor.channelId)).fetchSockets();
        if (open.length >= socketsPerLink) {
          throw new PlenaryError(ErrorCode.CONFLICT, `This join link is already open in ${socketsPerLink} places; close one of them first`);
        }
      }
      return who;
    };
    admitted().then(
      (who) => {
        socket.data = who;
        next();
      },
      (error: unknown) => {
        const answer = fail(error);
        if (answer.ok) return next(new Error('unreachable'));
        deps.onError?.(answer.error.code);
        const refusal = Object.assign(new Error(answer.error.message), { data: answer.error });
        next(refusal);
      },
    );
  });

  io.on('connection', (socket: PlenarySocket) => {
    const { conferenceId, actor } = socket.data;
    const venueId = venueOf(socket);
    const log = logger.child({ conferenceId, venueId, role: actor.role, socket: socket.id });
    // The conference as last read: every message reads it for the standing check, and the handlers
    // that need it (the media budget's size, whether it has ended) use that read instead of another.
    let current: ConferenceState | undefined;
    const budgets: Record<Budget, TokenBucket> = {
      commands: new TokenBucket(COMMAND_RATE.perSecond, COMMAND_RATE.burst),
      media: new TokenBucket(MEDIA_RATE.perSecond, () => MEDIA_RATE.burst(current?.venueOrder.length ?? 0, actor.role)),
    };

    const snapshot = async (): Promise<Snapshot> => {
      const state = await conferences.get(conferenceId);
      if (!state) throw new PlenaryError(ErrorCode.NOT_FOUND, 'This conference does not exist any more');
      current = state;
      return { identity: { conferenceId, actor }, state };
    };
    const answer = <T>(ack: unknown, work: () => Promise<Ack<T>>) => reply(ack, log, work, deps.onError);

    void socket.join([rooms.conference(conferenceId), rooms.venue(conferenceId, venueId)]);
    if (!socket.recovered) {
      snapshot().then(
        (s) => socket.emit('snapshot', s),
        (error: unknown) => log.warn({ err: error }, 'no snapshot for a new socket'),
      );
    } else {
      // No snapshot for a recovered session, but its media budget still needs the conference's size.
      conferences.get(conferenceId).then((state) => (current = state ?? current), () => undefined);
    }
    // An interpreter is no venue: it is not present in the conference's state.
    const isVenue = actor.role !== 'interpreter';
    if (isVenue) {
      deps.presence?.connected(conferenceId, venueId);
      void conferences.execute(conferenceId, SYSTEM, { type: 'join', venueId });
    }
    log.info('connected');

    // One way to answer a message: its request checked against the message table's schema
    // (INVALID naming the first problem), then the work, answered with a stable code.
    const handle = <N extends MessageName>(name: N, work: (request: RequestOf<N>) => Promise<Ack<MessageAnswers[N]>>) => {
      const schema = messageSpec(name)?.request;
      (socket.on as (event: string, listener: (...args: unknown[]) => void) => void)(name, (...args: unknown[]) => {
        const ack = args[args.length - 1];
        answer(ack, async () => {
          if (!schema) return work(undefined as RequestOf<N>);
          const parsed = schema.safeParse(args[0]);
          return parsed.success ? work(parsed.data as RequestOf<N>) : invalid(parsed.error);
        });
      });
    };

    handle('command', (envelope) => conferences.execute(conferenceId, actor, envelope.command, envelope.id));
    handle('sync', async () => ok(await snapshot()));
    handle('joinLink', async ({ venueId }) => {
      if (actor.role !== 'presider') return fail(new PlenaryError(ErrorCode.FORBIDDEN, 'Only the presider can hand out join links'));
      return ok(await deps.joinLink(conferenceId, venueId));
    });
    handle('captionerLink', async ({ channelId }) => {
      if (actor.role !== 'presider') return fail(new PlenaryError(ErrorCode.FORBIDDEN, 'Only the presider can hand out captioner links'));
      return ok(await deps.captionerLink(conferenceId, channelId));
    });
    handle('interpreterLink', async ({ channelId }) => {
      if (actor.role !== 'presider') return fail(new PlenaryError(ErrorCode.FORBIDDEN, 'Only the presider can hand out interpreter links'));
      return ok(await deps.interpreterLink(conferenceId, channelId));
    });

    const hasEnded = () => current?.status !== 'live';
    const iceServers = deps.iceServers;
    registerMediaHandlers(socket, { media: deps.media, hasEnded, conferenceId, venueId, actor, reply: answer, iceServers: iceServers && (() => iceServers(conferenceId, venueId)) });

    // Before any handler: an unknown message, or a known one with the wrong number of arguments, is
    // answered INVALID (when it carries an ack) and goes no further. Without an ack it is dropped.
    // Then it must fit its budget (RATE_LIMITED), and the socket must still stand: a removed venue or
    // a replaced link is refused and cut off, whichever process removed it and however fast its
    // sockets are disconnected.
    socket.use(([event, ...args], next) => {
      const message = messageSpec(String(event));
      const arity = message?.request ? 2 : 1;
      const ack = args[args.length - 1];
      if (!message || arity !== args.length || typeof ack !== 'function') {
        const problem = message === undefined ? `Unknown message "${String(event).slice(0, 40)}"` : `"${String(event)}" takes ${arity - 1} argument(s) and an acknowledgement`;
        return answer(ack, async () => fail(new PlenaryError(ErrorCode.INVALID, problem)));
      }
      if (!budgets[message.budget].take()) {
        return answer(ack, async () => fail(new PlenaryError(ErrorCode.RATE_LIMITED, message.budget === 'commands' ? 'Too many commands; slow down' : 'Too many media requests; slow down')));
      }
      conferences.get(conferenceId).then(
        (state) => {
          try {
            checkStanding(socket.data, state);
          } catch (error) {
            answer(ack, async () => fail(error));
            // After the answer has gone out: the client is told why before it is cut off.
            setImmediate(() => socket.disconnect(true));
            return;
          }
          current = state;
          next();
        },
        // The store did not answer (Redis away): nothing was done, so the same message may be sent again.
        () => answer(ack, async () => fail(new PlenaryError(ErrorCode.UNAVAILABLE, 'The conference state could not be reached; try again in a moment'))),
      );
    });

    socket.on('disconnect', (reason) => {
      log.info({ reason }, 'disconnected');
      // A process shutting down keeps its venues present: they reconnect (here after a restart, or to
      // another process); those that do not are let go by the presence reaper.
      if (deps.isClosing?.()) return;
      if (isVenue) deps.presence?.disconnected(conferenceId, venueId);
      // Its transports go with it: a browser back on a new socket sets its media up again, and the
      // old ones would hold the venue's places at the SFU (four) while another socket keeps it present.
      if (actor.role !== 'system') {
        deps.media.socketGone?.({ conferenceId, venueId, role: actor.role, socketId: socket.id }).catch((error: unknown) =>
          log.warn({ err: error }, 'could not close the media of a socket that went'),
        );
      }
      // The venue is gone only when none of its sockets, on any server process, is left.
      if (!isVenue) return;
      io.in(rooms.venue(conferenceId, venueId))
        .fetchSockets()
        .then(
          (remaining) => (remaining.length === 0 ? conferences.execute(conferenceId, SYSTEM, { type: 'leave', venueId }) : undefined),
          (error: unknown) => log.warn({ err: error }, 'could not check whether the venue is still connected'),
        );
    });
  });
}

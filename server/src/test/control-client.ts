import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import {
  ConferenceMirror,
  type Ack,
  type ClientToServerEvents,
  type Command,
  type ConferenceState,
  type HandshakeAuth,
  type Identity,
  type ServerToClientEvents,
  type VersionedEvent,
} from '@plenary/shared';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A refusal at the handshake, as a client sees it. */
export interface Refusal {
  message: string;
  code: string | undefined;
}

/**
 * A real socket.io client of the control channel, as a venue or the presider
 * would run it: keeps a mirror of the conference, applies events in version
 * order, and asks for a snapshot when a gap does not close.
 */
export class ControlClient {
  readonly mirror = new ConferenceMirror();
  /** Every event received, in arrival order. */
  readonly received: VersionedEvent[] = [];
  snapshots = 0;
  /** Who the server says this socket is. */
  identity: Identity | undefined;
  private gapTimer: NodeJS.Timeout | undefined;

  private constructor(readonly socket: ClientSocket) {
    socket.on('snapshot', (snapshot) => {
      this.snapshots++;
      this.identity = snapshot.identity;
      this.mirror.reset(snapshot.state);
    });
    socket.on('event', (event) => {
      this.received.push(event);
      this.mirror.receive(event);
      this.watchGap();
    });
  }

  /** Connects and resolves once the first snapshot arrived; rejects with the server's refusal. */
  static connect(url: string, auth: HandshakeAuth | Record<string, unknown>, options: { reconnection?: boolean } = {}): Promise<ControlClient> {
    // Reconnects as the pages do (at most 2 s apart), so a test's clock measures the server, not a backoff.
    const socket: ClientSocket = io(url, { auth, transports: ['websocket'], reconnection: options.reconnection ?? false, reconnectionDelayMax: 2000, forceNew: true });
    const client = new ControlClient(socket);
    return new Promise((resolve, reject) => {
      // Only the first connection's refusal rejects; later reconnection attempts may fail while a server restarts.
      const refused = (error: Error & { data?: { code?: string } }) => {
        socket.close();
        reject({ message: error.message, code: error.data?.code } satisfies Refusal);
      };
      socket.once('connect_error', refused);
      socket.once('snapshot', () => {
        socket.off('connect_error', refused);
        resolve(client);
      });
    });
  }

  /** The venue this client speaks for: its sub-venue, or "main" for the presider. */
  get venueId(): string | undefined {
    const actor = this.identity?.actor;
    return actor?.role === 'operator' ? actor.venueId : actor ? 'main' : undefined;
  }

  get state(): ConferenceState {
    const state = this.mirror.state;
    if (!state) throw new Error('no snapshot yet');
    return state;
  }

  /** Sends a command with a fresh (or given) id and resolves with the server's answer. */
  command(command: Command, id: string = randomUUID()): Promise<Ack<{ version: number }>> {
    return this.socket.timeout(10_000).emitWithAck('command', { id, command });
  }

  /** Resolves once the mirror reached at least this version. */
  async waitForVersion(version: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.mirror.state?.version ?? -1) < version) {
      if (Date.now() > deadline) throw new Error(`stuck at version ${this.mirror.state?.version} waiting for ${version}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): void {
    clearTimeout(this.gapTimer);
    this.socket.close();
  }

  private watchGap(): void {
    if (!this.mirror.hasGap || this.gapTimer) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      if (!this.mirror.hasGap) return;
      this.socket.emit('sync', (answer) => {
        if (answer.ok) this.mirror.reset(answer.data.state);
      });
    }, 500);
  }
}

/** Sends a raw message with an ack, as a misbehaving client would. */
export function rawEmit(client: ControlClient, event: string, ...args: unknown[]): Promise<unknown> {
  return (client.socket as unknown as Socket).timeout(5000).emitWithAck(event, ...args);
}

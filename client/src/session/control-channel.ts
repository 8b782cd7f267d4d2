import { io, type Socket } from 'socket.io-client';
import {
  ConferenceMirror,
  ErrorCode,
  MESSAGES,
  type Ack,
  type ClientToServerEvents,
  type Command,
  type HandshakeAuth,
  type Identity,
  type MessageAnswers,
  type MessageName,
  type RequestOf,
  type ServerToClientEvents,
} from '@plenary/shared';
import { backoff, sleep, type RetryPolicy } from './retry';

type ControlSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A refusal from the server, with its stable code. */
export class SessionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SessionError';
  }
}

/** Where the session stands, for the page to show. */
export type SessionStatus = 'connecting' | 'connected' | 'reconnecting' | 'refused';

export interface ControlChannelOptions {
  /** How long the answer to a request that may be sent again may take before it counts as lost (default 4 s). */
  ackTimeoutMs?: number;
  /** When a lost or UNAVAILABLE request that is safe to send again is sent again. */
  retry?: RetryPolicy;
  /** Told of every request sent again (the page may say "trying again"; tests watch it). */
  onResend?: (name: MessageName, attempt: number) => void;
}

/** A request's arguments: its payload, or nothing for a message that takes none. */
type RequestArgs<N extends MessageName> = [RequestOf<N>] extends [never] ? [] : [RequestOf<N>];

/** Commands and reads wait out a short outage (a Redis restart, a lost answer) before the page shows an error. */
const DEFAULT_RETRY = backoff(250, 2000, 15_000);
/** A request sent once (creating a transport, a consumer) may take this long: it is not tried again. */
const ONE_SHOT_TIMEOUT_MS = 10_000;

/**
 * The control channel of one browser's session: the socket, the conference
 * mirror (snapshot, ordered events, a gap filled by a sync), the connection
 * status, and requests with one retry policy. A request the message table says
 * is safe to send again (a command carries its id, so the server answers a
 * repeat with the first answer) is sent again, unchanged, after a lost answer
 * or UNAVAILABLE; any other is sent once.
 */
export class ControlChannel {
  readonly mirror = new ConferenceMirror();
  identity: Identity | undefined;
  status: SessionStatus = 'connecting';
  /** The server's refusal, when status is 'refused'. */
  refusal: SessionError | undefined;
  /** Counts changes of state and status: what a UI compares to know it must render again. */
  revision = 0;
  private readonly socket: ControlSocket;
  private readonly listeners = new Set<() => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly ackTimeoutMs: number;
  private readonly retry: RetryPolicy;

  constructor(
    url: string,
    auth: HandshakeAuth,
    private readonly options: ControlChannelOptions = {},
  ) {
    // Shorter than the retry policy's patience, so a lost answer is sent again (about three times).
    this.ackTimeoutMs = options.ackTimeoutMs ?? 4000;
    this.retry = options.retry ?? DEFAULT_RETRY;
    // Tries again at most 2 s apart (socket.io's default grows to 5 s): a venue is back within about
    // 2 s of its server, after a restart or a deploy.
    this.socket = io(url, { auth, transports: ['websocket'], reconnectionDelayMax: 2000 });
    let everConnected = false;
    this.socket.on('connect', () => {
      this.setStatus('connected');
      if (everConnected) for (const listener of this.reconnectListeners) listener();
      everConnected = true;
    });
    let cutOffAt = 0;
    this.socket.on('disconnect', (reason) => {
      if (reason !== 'io server disconnect') return this.setStatus('reconnecting'); // socket.io retries by itself
      // The server cut this socket off (its link was replaced, its venue removed). Connecting once
      // more asks the handshake, which says why in words a person understands; cut off again at
      // once, it is final.
      const again = Date.now() - cutOffAt > 5000;
      cutOffAt = Date.now();
      if (again) {
        this.setStatus('connecting');
        this.socket.connect();
      } else this.setStatus('refused');
    });
    this.socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (error.data?.code) {
        this.refusal = new SessionError(error.data.code, error.message);
        this.setStatus('refused');
      } else {
        this.setStatus(everConnected ? 'reconnecting' : 'connecting');
      }
    });
    this.socket.on('snapshot', (snapshot) => {
      this.identity = snapshot.identity;
      this.mirror.reset(snapshot.state);
      this.changed();
    });
    // A server restart or deploy: socket.io reconnects by itself.
    this.socket.on('serverClosing', () => this.setStatus('reconnecting'));
    this.socket.on('event', (event) => {
      this.mirror.receive(event);
      this.changed();
      // A gap that does not close within half a second: ask for the full state.
      if (this.mirror.hasGap && !this.gapTimer) {
        this.gapTimer = setTimeout(() => {
          this.gapTimer = undefined;
          if (this.mirror.hasGap) {
            this.request('sync').then((snapshot) => (this.mirror.reset(snapshot.state), this.changed()), () => undefined);
          }
        }, 500);
      }
    });
  }

  /** Calls `listener` whenever the conference state or the connection status changes; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` each time the socket is back after a disconnect (the server closed this venue's media then). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Listens to a message from the server (what the venue's media needs to hear). */
  on<E extends 'consumerClosed' | 'mediaReset' | 'sendLayers'>(event: E, listener: ServerToClientEvents[E]): void {
    this.socket.on(event, listener as never);
  }

  /** Tells the listeners something changed (the media's connection state counts too). */
  changed(): void {
    this.revision++;
    for (const listener of this.listeners) listener();
  }

  private setStatus(status: SessionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.changed();
  }

  /** Whether the socket is connected now. */
  get connectedNow(): boolean {
    return this.socket.connected;
  }

  /** Whether the socket still tries to be connected (false once closed or refused for good). */
  get active(): boolean {
    return this.socket.active;
  }

  /**
   * Resolves once the first snapshot arrived; rejects with the server's refusal (a handshake
   * refused with a code, or cut off for good). A connection attempt that merely failed is tried
   * again by socket.io: that does not reject.
   */
  connected(): Promise<void> {
    if (this.mirror.state) return Promise.resolve();
    if (this.status === 'refused') return Promise.reject(this.refusal ?? new SessionError(ErrorCode.UNAUTHENTICATED, 'This link does not work'));
    return new Promise((resolve, reject) => {
      const unsubscribe = this.subscribe(() => {
        if (this.mirror.state) {
          unsubscribe();
          resolve();
        } else if (this.status === 'refused') {
          unsubscribe();
          reject(this.refusal ?? new SessionError(ErrorCode.UNAUTHENTICATED, 'This link does not work'));
        }
      });
    });
  }

  /** Sends a conference command; resolves with the new state version. Sent again with the same id if its answer is lost. */
  async command(command: Command): Promise<number> {
    return (await this.request('command', { id: crypto.randomUUID(), command })).version;
  }

  /**
   * Sends a message and resolves with its answer, or rejects with the server's
   * refusal (SessionError). Retried by the policy when the message is safe to
   * send again and its answer was lost or UNAVAILABLE; the payload is the same
   * each time.
   */
  async request<N extends MessageName>(name: N, ...args: RequestArgs<N>): Promise<MessageAnswers[N]> {
    const resend = MESSAGES[name].resend;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let failure: SessionError;
      try {
        // The table types each message; socket.io's overloads cannot follow a generic name.
        const socket = this.socket.timeout(resend ? this.ackTimeoutMs : Math.max(this.ackTimeoutMs, ONE_SHOT_TIMEOUT_MS)) as unknown as { emitWithAck(event: N, ...rest: unknown[]): Promise<Ack<MessageAnswers[N]>> };
        const answer = await socket.emitWithAck(name, ...args);
        if (answer.ok) return answer.data;
        failure = new SessionError(answer.error.code, answer.error.message);
        if (answer.error.code !== ErrorCode.UNAVAILABLE) throw failure;
      } catch (error) {
        if (error instanceof SessionError) throw error;
        failure = new SessionError(ErrorCode.UNAVAILABLE, 'The server did not answer in time');
      }
      const delay = resend && this.socket.active ? this.retry.delayBefore(attempt, Date.now() - started) : undefined;
      if (delay === undefined) throw failure;
      await sleep(delay);
      this.options.onResend?.(name, attempt);
    }
  }

  /** Sends a message whose answer nobody waits for (closing a consumer), only while connected. */
  tell<N extends MessageName>(name: N, ...args: RequestArgs<N>): void {
    if (!this.socket.connected) return;
    (this.socket as unknown as { emit(event: N, ...rest: unknown[]): void }).emit(name, ...args, () => undefined);
  }

  close(): void {
    clearTimeout(this.gapTimer);
    this.listeners.clear();
    this.reconnectListeners.clear();
    this.socket.close();
  }
}

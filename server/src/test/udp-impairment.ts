import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

/** How a link misbehaves, each way. */
export interface Impairment {
  /** Share of packets dropped, 0-1. */
  loss: number;
  /** One-way delay, ms. */
  delayMs: number;
  /** Up to this much more delay, uniformly at random, ms (packets may overtake each other, as on a real link). */
  jitterMs: number;
  /** The link's capacity, kbit/s; what does not fit in 200 ms of queue is dropped. 0: no cap. */
  kbps: number;
}

const CLEAN: Impairment = { loss: 0, delayMs: 0, jitterMs: 0, kbps: 0 };
const QUEUE_MS = 200;

/** One direction of the link: its queue (for the cap) and what it did. */
class Direction {
  busyUntil = 0;
  sent = 0;
  dropped = 0;

  constructor(private readonly relay: UdpImpairment) {}

  pass(bytes: Buffer, send: () => void): void {
    const link = this.relay.impairment;
    if (Math.random() < link.loss) {
      this.dropped++;
      return;
    }
    const now = performance.now();
    let leaves = now;
    if (link.kbps > 0) {
      const start = Math.max(now, this.busyUntil);
      if (start - now > QUEUE_MS) {
        this.dropped++;
        return;
      }
      this.busyUntil = start + (bytes.length * 8) / link.kbps;
      leaves = this.busyUntil;
    }
    const wait = leaves - now + link.delayMs + Math.random() * link.jitterMs;
    this.sent++;
    if (wait < 0.5) send();
    else this.relay.later(wait, send);
  }
}

/**
 * A UDP relay that impairs what goes through it: loss, delay, jitter and a
 * bandwidth cap, both ways, in user space (this kernel has no netem). Clients
 * send to its port as they would to the target; each client gets its own
 * socket towards the target, so replies find their way back. The impairment can
 * change while traffic flows. For tests and benchmarks, on loopback; close()
 * stops it and every pending packet.
 */
export class UdpImpairment {
  impairment: Impairment;
  readonly up: Direction = new Direction(this);
  readonly down: Direction = new Direction(this);
  private readonly clients = new Map<string, Socket>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  private constructor(
    private readonly socket: Socket,
    private readonly target: { host: string; port: number },
    impairment: Partial<Impairment>,
  ) {
    this.impairment = { ...CLEAN, ...impairment };
  }

  static async start(target: { host: string; port: number }, impairment: Partial<Impairment> = {}): Promise<UdpImpairment> {
    const socket = createSocket('udp4');
    const relay = new UdpImpairment(socket, target, impairment);
    socket.on('message', (bytes, from) => relay.fromClient(bytes, from));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return relay;
  }

  /** Where clients send. */
  get port(): number {
    return this.socket.address().port;
  }

  set(impairment: Partial<Impairment>): void {
    this.impairment = { ...CLEAN, ...impairment };
  }

  later(ms: number, send: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send();
    }, ms);
    this.timers.add(timer);
  }

  private fromClient(bytes: Buffer, from: RemoteInfo): void {
    const key = `${from.address}:${from.port}`;
    let upstream = this.clients.get(key);
    if (!upstream) {
      const made = createSocket('udp4');
      made.on('message', (reply) => this.down.pass(reply, () => this.socket.send(reply, from.port, from.address)));
      made.on('error', () => undefined);
      made.bind(0, '127.0.0.1');
      this.clients.set(key, made);
      upstream = made;
    }
    const socket = upstream;
    this.up.pass(bytes, () => socket.send(bytes, this.target.port, this.target.host));
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.clients.values()) socket.close();
    this.clients.clear();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

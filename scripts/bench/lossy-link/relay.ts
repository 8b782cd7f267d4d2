// The lossy-link benchmark's impairment relay, in a process of its own: the benchmark's own
// process also runs Plenary (its HLS packaging, its control channel), and a relay sharing that
// event loop would add whatever delay the loop has to every packet, an impairment nobody asked
// for. Started by LinkRelay; takes one JSON line per change on stdin and answers each with its
// counters.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { UdpImpairment, type Impairment } from '../../../server/src/test/udp-impairment';

/** Packets through the relay so far, each way (up: from the venue). */
export interface RelayCounters {
  up: { sent: number; dropped: number };
  down: { sent: number; dropped: number };
}

/** The relay process, from the benchmark's side: where venues send, and how to change the link. */
export class LinkRelay {
  private readonly answers: ((counters: RelayCounters) => void)[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  /** Starts a relay in front of a UDP target (coturn's port), the link clean until set. */
  static async start(target: { host: string; port: number }): Promise<LinkRelay> {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, target.host, String(target.port)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    const first = new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the relay exited (${code}) before it listened`)));
      lines.once('line', (line) => resolve(Number(/^relay on (\d+)$/.exec(line)?.[1])));
    });
    const relay = new LinkRelay(child, await first);
    lines.on('line', (line) => relay.answers.shift()?.(JSON.parse(line) as RelayCounters));
    return relay;
  }

  /** Sets the link's impairment; resolves with the counters up to this moment. */
  set(impairment: Partial<Impairment>): Promise<RelayCounters> {
    return new Promise((resolve) => {
      this.answers.push(resolve);
      this.child.stdin!.write(`${JSON.stringify(impairment)}\n`);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.stdin!.end();
    await exited;
  }
}

/** The child: relays until its stdin closes. */
async function relayUntilClosed(host: string, port: number): Promise<void> {
  const relay = await UdpImpairment.start({ host, port });
  process.stdout.write(`relay on ${relay.port}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    relay.set(JSON.parse(line) as Partial<Impairment>);
    const counters: RelayCounters = { up: { sent: relay.up.sent, dropped: relay.up.dropped }, down: { sent: relay.down.sent, dropped: relay.down.dropped } };
    process.stdout.write(`${JSON.stringify(counters)}\n`);
  }
  await relay.close();
}

if (require.main === module) {
  const [host, port] = process.argv.slice(2);
  relayUntilClosed(host ?? '127.0.0.1', Number(port)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

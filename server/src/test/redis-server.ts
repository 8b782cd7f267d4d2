import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freeTcpPort } from '@plenary/sfu';

/**
 * A redis-server on a free loopback port, for the test run (jest's global setup), a test of
 * its own (one it may kill) or a benchmark. Durable by default: every write fsynced to the
 * append-only file, as docker-compose runs Redis; a benchmark measuring fan-out can do
 * without. kill() and start() again reuse the same port and data folder.
 */
export class TestRedis {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly durable: boolean,
  ) {}

  static async create(options: { durable?: boolean } = {}): Promise<TestRedis> {
    const redis = new TestRedis(await freeTcpPort(), await mkdtemp(join(tmpdir(), 'plenary-redis-')), options.durable ?? true);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const persistence = this.durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', ...persistence], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    // Waits for the port with plain sockets: an ioredis client that failed to connect leaves a
    // 2 s timer behind after disconnect() (it waits for a 'close' that already happened), which
    // jest reported as a handle left open after the run.
    while (!(await accepts(this.port))) {
      if (Date.now() > deadline) throw new Error('redis-server did not start; is the redis-server package installed?');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null });
    try {
      await client.connect();
      await client.ping();
    } finally {
      await client.quit().catch(() => client.disconnect());
    }
  }

  /** Freezes the server (SIGSTOP): connections stay open and nothing is answered, as on a hung host. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Lets a paused server go on (SIGCONT): everything sent meanwhile is answered. */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** The hardest stop: no shutdown save, no goodbye to clients. */
  async kill(): Promise<void> {
    const child = this.child;
    // A killed child has a signal code and no exit code: either means it is gone already.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }

  async close(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Whether something accepts TCP connections on a loopback port. */
/** Whether something accepts TCP connections on a loopback port now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

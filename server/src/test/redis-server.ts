import { spawn, type ChildProcess } from 'node:child_process';
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
    for (;;) {
      const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null });
      client.on('error', () => undefined); // not up yet: the next probe will tell
      const up = await client.connect().then(() => client.ping(), () => undefined);
      client.disconnect();
      if (up === 'PONG') return;
      if (Date.now() > deadline) throw new Error('redis-server did not start; is the redis-server package installed?');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
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

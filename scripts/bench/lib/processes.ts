import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { sleep } from './stats';
import { freeTcpPort } from '../../../sfu/src/net/ports';
import { TestRedis } from '../../../server/src/test/redis-server';

/** A free loopback TCP port. */
export const freePort = () => freeTcpPort();

/** A child process the benchmark owns: started, waited for, and stopped by it. */
export class Owned {
  private output = '';

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** What the process printed so far. */
  get printed(): string {
    return this.output;
  }

  /** Resolves once the process printed the marker; fails with its output if it exits or times out. */
  async ready(marker: string, timeoutMs = 60_000): Promise<this> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(marker)) {
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`process did not start:\n${this.output}`);
      await sleep(50);
    }
    return this;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Starts `node server/dist/main.js` (what `npm start` runs) on loopback. */
export function startPlenary(port: number, env: NodeJS.ProcessEnv): Promise<Owned> {
  const child = spawn(process.execPath, ['server/dist/main.js'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', PORT: String(port), RTC_PORT: '0', MEDIASOUP_WORKERS: '1', LOG_LEVEL: 'warn', BROADCAST_LADDER: 'off', DEMO_SIMULATED_VENUES: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Owned(child).ready('Plenary is running');
}

/** A throwaway redis-server on loopback without persistence (the benchmarks measure fan-out), stopped like the rest. */
export async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const redis = await TestRedis.create({ durable: false });
  return { url: redis.url, stop: () => redis.close() };
}

/** Renices every Chromium process descending from this one (tabs start processes of their own: called again after each). */
export function niceChromium(niceness: number): void {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
      parents.set(Number(entry), Number(stat.slice(close + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const ours = (pid: number): boolean => {
    for (let at = parents.get(pid); at !== undefined && at > 1; at = parents.get(at)) if (at === process.pid) return true;
    return false;
  };
  const pids = [...names].filter(([pid, name]) => name.startsWith('chrom') && ours(pid)).map(([pid]) => String(pid));
  if (pids.length > 0) execFileSync('renice', ['-n', String(niceness), '-p', ...pids], { stdio: 'ignore' });
}

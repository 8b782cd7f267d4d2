import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { TEST_ADMIN_KEY } from './harness';
import { freeTcpPort } from '@plenary/sfu';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

/** A free loopback TCP port. */
export const freePort = () => freeTcpPort();

/** A real Plenary server process (the built `npm start` entry point), owned by the test. */
export class ServerProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  /** Starts `node server/dist/main.js` and resolves once it prints that it is running. */
  static async start(port: number, env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        HOST: '127.0.0.1',
        PORT: String(port),
        RTC_PORT: '0',
        MEDIASOUP_WORKERS: '1',
        PLENARY_ADMIN_KEY: TEST_ADMIN_KEY,
        LOG_LEVEL: 'warn',
        BROADCAST_LADDER: 'off',
        DEMO_SIMULATED_VENUES: '0',
        JOIN_RATE_PER_ADDRESS: '10000',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: crash() takes the server with its workers and encoders, as losing the machine would.
      detached: true,
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 30_000;
    while (!output.includes('Plenary is running')) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`server did not start:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return new ServerProcess(child, `http://127.0.0.1:${port}`);
  }

  /** Kills the process and everything it started (its process group) the hard way, as losing the machine would. */
  async crash(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    process.kill(-(this.child.pid as number), 'SIGKILL');
    await exited;
  }

  /** SIGTERM, as an orderly shutdown; resolves with the exit code. */
  async stop(): Promise<number | null> {
    // A crashed child has a signal code and no exit code: it is gone already.
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = once(this.child, 'exit') as Promise<[number | null]>;
    this.child.kill('SIGTERM');
    const [code] = await exited;
    return code;
  }
}

/** The command lines of a process's descendants, read from /proc (who runs what under a server). */
export function descendantCommands(pid: number): string[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: string[] = [];
  const walk = (p: number) => {
    for (const child of children.get(p) ?? []) {
      try {
        found.push(readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' '));
      } catch {
        // ended meanwhile
      }
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/** How many broadcast encoders (the ladder's ffmpeg, reading the program's SDP) run under a process. */
export function broadcastEncoders(pid: number): number {
  return descendantCommands(pid).filter((command) => command.startsWith('ffmpeg') && command.includes('program.sdp')).length;
}

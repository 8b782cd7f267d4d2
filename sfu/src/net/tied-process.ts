import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { spawnTied } from './child';

/** How a child process ended: its exit code, or the signal that ended it (both null if it never started). */
export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A long-running media helper (ffmpeg, GStreamer) owned by whoever started it,
 * the one way Plenary runs one: tied to this process (it dies with Node), its
 * stderr's last few KiB kept for the reason it failed, its end as a promise,
 * and stop(): the helper's own "finish" signal (ffmpeg's SIGINT lets muxers
 * write their trailer), then SIGKILL after a grace period.
 */
export class TiedProcess {
  readonly child: ChildProcess;
  readonly ended: Promise<Ended>;
  private stderrTail = '';

  constructor(
    command: string,
    args: string[],
    private readonly options: { logger: Logger; stopSignal: NodeJS.Signals; extraPipes?: number },
  ) {
    const pipes = Array.from({ length: options.extraPipes ?? 0 }, () => 'pipe' as const);
    this.child = spawnTied(command, args, { stdio: ['ignore', 'ignore', 'pipe', ...pipes] });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      // Keep only the end: it holds the reason when the helper fails.
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
    this.ended = new Promise((resolve) => {
      this.child.once('error', (error) => {
        options.logger.error({ err: error, command }, 'a media helper failed to start');
        resolve({ code: null, signal: null });
      });
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last few KiB the helper wrote to stderr. */
  get log(): string {
    return this.stderrTail;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Extra output pipe `n` (file descriptor 3 + n). */
  pipe(n: number): Readable {
    return this.child.stdio[3 + n] as Readable;
  }

  /**
   * Extra pipe `n` (file descriptor 3 + n) as the helper's input. A write after the helper ended
   * is dropped (the pipe's error is swallowed here: the end is told by `ended`).
   */
  input(n: number): Writable {
    const pipe = this.child.stdio[3 + n] as Writable;
    if (pipe.listenerCount('error') === 0) pipe.on('error', () => undefined);
    return pipe;
  }

  /** Asks the helper to finish, then kills it after graceMs (0: at once). Idempotent. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    if (graceMs <= 0) this.child.kill('SIGKILL');
    else this.child.kill(this.options.stopSignal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), Math.max(0, graceMs));
    await this.ended;
    clearTimeout(timer);
  }
}

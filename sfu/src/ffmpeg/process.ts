import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { spawnTied } from '../net/child';

/** The output of an ffmpeg or ffprobe run that went to completion. */
export interface FinishedRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs ffmpeg or ffprobe to completion (killed after timeoutMs) and collects its output. */
export function runToCompletion(command: 'ffmpeg' | 'ffprobe', args: string[], timeoutMs = 30_000): Promise<FinishedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A long-running ffmpeg owned by whoever started it: stop() asks it to finish
 * (SIGINT lets muxers write their trailer) and kills it if it does not.
 */
export class FfmpegProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private stderrTail = '';

  constructor(args: string[], logger: Logger) {
    this.child = spawnTied('ffmpeg', ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      // Keep only the end: it holds the reason when ffmpeg fails.
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        logger.error({ err: error }, 'ffmpeg failed to start');
        resolve(null);
      });
      this.child.once('exit', (code) => resolve(code));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last few KiB ffmpeg wrote to stderr. */
  get log(): string {
    return this.stderrTail;
  }

  /**
   * Resolves with the exit code when ffmpeg exits by itself or is stopped, or
   * with undefined if timeoutMs passes first (ffmpeg keeps running).
   */
  async waitForExit(timeoutMs?: number): Promise<number | null | undefined> {
    if (timeoutMs === undefined) return this.exited;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Asks ffmpeg to finish, then kills it after graceMs. Idempotent. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

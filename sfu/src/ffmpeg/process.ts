import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import { TiedProcess } from '../net/tied-process';

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

/** A long-running ffmpeg: a tied process whose stop() sends SIGINT first (muxers write their trailer). */
export class FfmpegProcess extends TiedProcess {
  constructor(args: string[], logger: Logger) {
    super('ffmpeg', ['-hide_banner', '-nostdin', ...args], { logger, stopSignal: 'SIGINT' });
  }

  /**
   * Resolves with the exit code when ffmpeg exits by itself or is stopped, or
   * with undefined if timeoutMs passes first (ffmpeg keeps running).
   */
  async waitForExit(timeoutMs?: number): Promise<number | null | undefined> {
    const code = this.ended.then((ended) => ended.code);
    if (timeoutMs === undefined) return code;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    try {
      return await Promise.race([code, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

import type { Logger } from 'pino';
import type { HlsRendition } from '../hls/rendition';
import { TiedProcess } from '../net/tied-process';
import { waitUntilUdpBound } from '../net/ports';
import { LOOPBACK, type Input } from './encoder-inputs';

/** What the encoder is started with, read anew at each start (the channels may have changed since). */
export interface EncoderPlan {
  /** ffmpeg's arguments. */
  args: string[];
  /** Where each of ffmpeg's extra pipes goes, in order. */
  outputs: HlsRendition[];
  /** The RTP inputs ffmpeg reads (from the SDP its arguments name). */
  inputs: Input[];
}

export interface EncoderHooks {
  logger: Logger;
  /** The encoder died by itself: the renditions mark a discontinuity; it starts again shortly. */
  onDied: () => void;
  /** A new encoder's media time 0 is `origin` (its inputs start flowing now). */
  onStarted: (origin: number) => void;
  /** A dead encoder was started again (metrics). */
  onRestart?: () => void;
}

/** How soon a dead encoder is started again. */
const RESTART_DELAY_MS = 500;

/**
 * The life of the broadcast's ffmpeg: one process at a time, started from the plan, started again
 * if it dies, stopped on the broadcast's word. The one owner of the process and its restart timer.
 */
export class LadderEncoder {
  private ffmpeg: TiedProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** How many times the encoder was started again after dying. */
  restarts = 0;

  constructor(
    private readonly plan: () => EncoderPlan,
    private readonly hooks: EncoderHooks,
  ) {}

  /** The encoder's process id (tests kill it). */
  get pid(): number | undefined {
    return this.ffmpeg?.pid;
  }

  get running(): boolean {
    return this.ffmpeg !== undefined;
  }

  /** The end of ffmpeg's own log, for an error report. */
  get log(): string {
    return this.ffmpeg?.log ?? '';
  }

  /** Starts an encoder from the plan as it is now; resolves once its inputs flow. */
  async start(): Promise<void> {
    if (this.closed) return;
    const { args, outputs, inputs } = this.plan();
    const ffmpeg = new TiedProcess('ffmpeg', args, { logger: this.hooks.logger, stopSignal: 'SIGINT', extraPipes: outputs.length });
    this.ffmpeg = ffmpeg;
    // What an encoder replaced by another still writes is not this timeline's.
    outputs.forEach((output, i) => ffmpeg.pipe(i).on('data', (chunk: Buffer) => this.ffmpeg === ffmpeg && output.write(chunk)));
    void ffmpeg.ended.then(({ code, signal }) => {
      if (this.closed || this.ffmpeg !== ffmpeg) return;
      this.hooks.logger.error({ code, signal, stderr: ffmpeg.log.slice(-2000) }, 'the broadcast encoder stopped; restarting');
      this.hooks.onDied();
      this.restartTimer = setTimeout(() => {
        this.restarts++;
        this.hooks.onRestart?.();
        this.start().catch((error: unknown) => this.hooks.logger.error({ err: error }, 'restarting the broadcast encoder failed'));
      }, RESTART_DELAY_MS);
    });
    // ffmpeg binds its RTP ports once it has read the SDP; then the program may flow (from a keyframe).
    for (const input of inputs) await waitUntilUdpBound(input.port, LOOPBACK, 10_000);
    // Replaced or stopped meanwhile: the other start's inputs are its own.
    if (this.ffmpeg !== ffmpeg) return;
    this.hooks.onStarted(Date.now());
    for (const input of inputs) {
      await input.consumer.resume();
      if (input.consumer.kind === 'video') await input.consumer.requestKeyFrame();
    }
  }

  /** Stops the encoder running now (a restart waiting is cancelled); `graceMs` to finish what it has. */
  async stop(graceMs: number): Promise<void> {
    const ffmpeg = this.ffmpeg;
    this.ffmpeg = undefined;
    clearTimeout(this.restartTimer);
    await ffmpeg?.stop(graceMs);
  }

  /** Stops for good: nothing starts again; what it flushes within `graceMs` still reaches the renditions. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    await this.ffmpeg?.stop(graceMs);
  }
}

import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { destinationProtocol, maskDestination, type DestinationProblem, type DestinationStatus } from '@plenary/shared';
import type { HlsRendition, Part } from '../hls/rendition';
import type { Placement } from '../hls/aligner';
import { TiedProcess } from '../net/tied-process';
import { pushTarget, type PushTarget } from './destination-address';

/** What a restream pushes: the broadcast's top video rendition and its original audio, as packaged. */
export interface RestreamSource {
  video: HlsRendition;
  audio: HlsRendition;
}

/** A destination as the owner of the broadcast knows it: its id and its whole (secret) address. */
export interface DestinationSpec {
  id: string;
  url: string;
  /** RESTREAM_PRIVATE=allow: the address may be on this machine or a private network (the tests' RTMP servers are). */
  allowPrivate?: boolean;
}

/** Waits before starting again after a failure: 0.5, 1, 2, 4, then 5 s (a server back within 10 s gets the stream back). */
const backoffMs = (failures: number) => Math.min(5000, 500 * 2 ** Math.max(0, failures - 1));
/** A push not live within this long is given up (a host that does not answer). */
const ANSWER_TIMEOUT_MS = 10_000;
/** Live this long, the failures so far are forgotten: the next drop retries at once. */
const STEADY_MS = 30_000;
/** More than this waiting for ffmpeg (or the destination behind it) is a destination too slow to keep. */
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;

/**
 * Where a part sits: placements compare by media sequence number, then part index.
 */
const atOrAfter = (a: Placement, b: Placement) => a.msn > b.msn || (a.msn === b.msn && a.index >= b.index);

/**
 * One destination of the broadcast (a TV station's RTMP ingest, say): an ffmpeg that takes the
 * top video rendition and the audio as the packager already has them (fMP4 parts, fed through two
 * pipes from the next independent part on) and passes them through, no second encode, into FLV
 * (rtmp, rtmps) or MPEG-TS (srt). Owns its ffmpeg and its one timer; a destination that fails is
 * started again with backoff, touching neither the broadcast nor the other destinations.
 * The address's key never leaves this object: its status, logs and errors show the masked address.
 */
export class Restream {
  readonly display: string;
  private source: RestreamSource | undefined;
  private push: Push | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Counts the pushes started: an address check answering after a newer start (or a stop) is dropped. */
  private attempts = 0;
  private closed = false;
  private readonly current: DestinationStatus;

  constructor(
    private readonly spec: DestinationSpec,
    private readonly logger: Logger,
  ) {
    this.display = maskDestination(spec.url);
    this.current = { id: spec.id, display: this.display, state: 'connecting', bitrate: 0, retries: 0 };
  }

  get url(): string {
    return this.spec.url;
  }

  /** The destination's state now (a copy). */
  status(): DestinationStatus {
    const push = this.push;
    return { ...this.current, bitrate: push?.live ? push.bitrate() : 0, ...(this.current.problem ? { problem: { ...this.current.problem } } : {}) };
  }

  /** The broadcast to push (a new one after it started again), or none: waits for one. */
  follow(source: RestreamSource | undefined): void {
    if (this.closed || source === this.source) return;
    this.source = source;
    this.stopPush();
    this.failures = 0;
    this.current.state = 'connecting';
    if (source) this.startPush();
  }

  /** Stops pushing for good. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.current.state = 'stopped';
    this.current.bitrate = 0;
    const push = this.push;
    this.push = undefined;
    await push?.stop();
  }

  private startPush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || !this.source) return;
    const source = this.source;
    const attempt = ++this.attempts;
    // Checked each time it connects: where the name points now, not when it was added.
    void pushTarget(this.spec.url, this.spec.allowPrivate ?? false).then((target) => {
      if (this.closed || this.source !== source || this.attempts !== attempt) return;
      if ('problem' in target) return this.retryLater(target.problem, target.message);
      this.connect(source, target);
    });
  }

  private connect(source: RestreamSource, target: PushTarget): void {
    const push = new Push(this.spec.url, target, source, this.logger.child({ destination: this.spec.id, display: this.display }), {
      live: () => {
        if (this.push !== push) return;
        this.current.state = 'live';
        this.current.liveSince = Date.now();
        this.logger.info({ destination: this.spec.id, display: this.display }, 'restream live');
        // Live a while: the next failure is retried at once again.
        this.timer = setTimeout(() => {
          this.timer = undefined;
          if (this.push === push) this.failures = 0;
        }, STEADY_MS);
      },
      failed: (code, message) => {
        if (this.push !== push) return;
        this.push = undefined;
        this.retryLater(code, message);
      },
    });
    this.push = push;
  }

  private retryLater(code: DestinationProblem, message: string): void {
    clearTimeout(this.timer);
    this.failures++;
    this.current.retries++;
    this.current.state = 'retrying';
    this.current.problem = { code, message };
    const wait = code === 'RESTARTED' ? 0 : backoffMs(this.failures);
    this.logger.warn({ destination: this.spec.id, display: this.display, code, reason: message, retryInMs: wait }, 'restream failed; retrying');
    this.timer = setTimeout(() => this.startPush(), wait);
  }

  private stopPush(): void {
    this.attempts++;
    clearTimeout(this.timer);
    this.timer = undefined;
    const push = this.push;
    this.push = undefined;
    void push?.stop();
  }
}

/** What one Push tells its Restream. */
interface PushEvents {
  live: () => void;
  failed: (code: DestinationProblem, message: string) => void;
}

/** One attempt: one ffmpeg, fed from the next independent part until it ends or is stopped. */
class Push {
  private readonly ffmpeg: TiedProcess;
  private readonly videoIn: Writable;
  private readonly audioIn: Writable;
  private readonly unsubscribe: (() => void)[] = [];
  /** Where the video started (an independent part) and which init it needs. */
  private start: { placement: Placement; initVersion: number } | undefined;
  private audioStarted = false;
  private stopped = false;
  private ended = false;
  live = false;
  private readonly samples: { at: number; bytes: number }[] = [];
  private readonly answerTimer: NodeJS.Timeout;
  private readonly redact: (text: string) => string;

  constructor(
    url: string,
    target: PushTarget,
    private readonly source: RestreamSource,
    logger: Logger,
    private readonly events: PushEvents,
  ) {
    // The address as given and as connected to (its host resolved) both hold the key.
    const [given, connected] = [redactor(url), redactor(target.url)];
    this.redact = (text) => connected(given(text));
    const protocol = destinationProtocol(url);
    this.ffmpeg = new TiedProcess('ffmpeg', pushArgs(target, protocol === 'srt' ? 'mpegts' : 'flv'), { logger, stopSignal: 'SIGINT', extraPipes: 3 });
    this.videoIn = this.ffmpeg.input(0);
    this.audioIn = this.ffmpeg.input(1);
    this.ffmpeg.pipe(2).on('data', (chunk: Buffer) => this.progress(chunk.toString()));
    this.unsubscribe.push(source.video.onPart((placement, part) => this.videoPart(placement, part)));
    this.unsubscribe.push(source.audio.onPart((placement, part) => this.audioPart(placement, part)));
    this.answerTimer = setTimeout(() => this.fail('UNREACHABLE', 'the destination did not answer within 10 s'), ANSWER_TIMEOUT_MS);
    void this.ffmpeg.ended.then(({ code, signal }) => {
      this.ended = true;
      this.detach();
      if (this.stopped) return;
      const why = this.redact(this.ffmpeg.log.slice(-600)).trim();
      this.fail(...reasonOf(why, this.live, code, signal));
    });
  }

  /** Bits per second over the last few seconds of progress. */
  bitrate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) return 0;
    return Math.round(((last.bytes - first.bytes) * 8 * 1000) / (last.at - first.at));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.detach();
    this.videoIn.end();
    this.audioIn.end();
    await this.ffmpeg.stop(1000);
  }

  private fail(code: DestinationProblem, message: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.detach();
    if (!this.ended) void this.ffmpeg.stop(0);
    this.events.failed(code, message);
  }

  private detach(): void {
    clearTimeout(this.answerTimer);
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private videoPart(placement: Placement, part: Part): void {
    const initVersion = this.source.video.segmentAt(placement.msn)?.initVersion;
    if (initVersion === undefined) return;
    if (!this.start) {
      const init = this.source.video.initFor(initVersion);
      if (!part.independent || !init) return;
      this.start = { placement, initVersion };
      this.write(this.videoIn, init);
    } else if (initVersion !== this.start.initVersion) {
      // The encoder started again: a new timeline, which this ffmpeg's stream cannot take.
      return this.fail('RESTARTED', 'the broadcast started again; a new stream follows at once');
    }
    this.write(this.videoIn, part.bytes);
  }

  private audioPart(placement: Placement, part: Part): void {
    if (!this.start || !atOrAfter(placement, this.start.placement)) return;
    if (!this.audioStarted) {
      const init = this.source.audio.initFor(this.source.audio.segmentAt(placement.msn)?.initVersion ?? -1);
      if (!init) return;
      this.audioStarted = true;
      this.write(this.audioIn, init);
    }
    this.write(this.audioIn, part.bytes);
  }

  private write(pipe: Writable, bytes: Buffer): void {
    if (this.stopped) return;
    if (pipe.writableLength > MAX_BACKLOG_BYTES) return this.fail('TOO_SLOW', 'the destination could not keep up with the stream');
    pipe.write(bytes);
  }

  /** ffmpeg's -progress lines: total_size grows as bytes reach the destination. */
  private progress(text: string): void {
    for (const match of text.matchAll(/^total_size=(\d+)$/gm)) {
      const bytes = Number(match[1]);
      const now = Date.now();
      const previous = this.samples[this.samples.length - 1];
      this.samples.push({ at: now, bytes });
      while (this.samples.length > 5) this.samples.shift();
      if (!this.live && previous && bytes > previous.bytes) {
        this.live = true;
        clearTimeout(this.answerTimer);
        this.events.live();
      }
    }
  }
}

/** The command line: two fMP4 inputs on pipes 3 and 4, progress on pipe 5, copied into `format`. */
function pushArgs({ url, tcUrl }: PushTarget, format: 'flv' | 'mpegts'): string[] {
  return [
    '-hide_banner', '-loglevel', 'warning', '-nostats',
    '-f', 'mov', '-i', 'pipe:3',
    '-f', 'mov', '-i', 'pipe:4',
    '-map', '0:v:0', '-map', '1:a:0', '-c', 'copy',
    // The two inputs' timestamps as the encoder wrote them: picture and sound stay in step.
    '-copyts',
    '-progress', 'pipe:5', '-stats_period', '1',
    ...(format === 'flv' ? ['-flvflags', 'no_duration_filesize'] : []),
    ...(tcUrl ? ['-rtmp_tcurl', tcUrl] : []),
    '-f', format, url,
  ];
}

/** Replaces every secret piece of a destination's address (whole, key, query, user) in a text. */
export function redactor(url: string): (text: string) => string {
  const parsed = new URL(url);
  const display = maskDestination(url);
  const pieces = [url, parsed.pathname.split('/').filter(Boolean).slice(1).join('/'), parsed.search.slice(1), decodeURIComponent(parsed.search.slice(1)), parsed.username, parsed.password]
    .filter((piece) => piece.length >= 3)
    .sort((a, b) => b.length - a.length);
  return (text) => pieces.reduce((out, piece) => out.split(piece).join(piece === url ? display : '****'), text);
}

/** Why an ffmpeg pushing to a destination ended, from its last words. */
function reasonOf(log: string, wasLive: boolean, code: number | null, signal: string | null): [DestinationProblem, string] {
  const said = log.split('\n').filter(Boolean).pop() ?? `ffmpeg ended (${signal ?? `code ${code}`})`;
  if (/refused|timed out|resolve|No route|unreachable|Name or service|Cannot assign/i.test(log)) return ['UNREACHABLE', `the destination did not answer: ${said}`];
  if (!wasLive && /Server error|rejected|BadName|Forbidden|denied|Unauthorized|Invalid|401|403/i.test(log)) return ['REFUSED', `the destination refused the stream (check the stream key): ${said}`];
  return ['DROPPED', `the connection to the destination ended: ${said}`];
}

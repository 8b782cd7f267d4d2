import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Segment } from '../hls/rendition';
import { initName, MEDIA_PLAYLIST, seconds, segmentName, type ObjectFormat } from '../hls/names';

/**
 * The full recording of one rendition on disk, as an HLS event playlist that
 * grows segment by segment and is closed with EXT-X-ENDLIST when the broadcast
 * ends, after which it plays as video on demand. Writes are queued in order, so
 * the playlist never names a segment that is not on disk yet.
 */
export class RenditionArchive {
  private queue: Promise<void>;
  private writtenInits = new Set<number>();
  private lastInit = -1;
  private ended = false;

  constructor(
    private readonly dir: string,
    targetDuration: number,
    private readonly logger: Logger,
    /** WebVTT for a captions channel: its segments' text, no init segment. */
    private readonly format: ObjectFormat = 'm4s',
  ) {
    const header = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${targetDuration}`, '#EXT-X-PLAYLIST-TYPE:EVENT', '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-INDEPENDENT-SEGMENTS', ''].join('\n');
    this.queue = mkdir(dir, { recursive: true }).then(() => writeFile(join(dir, MEDIA_PLAYLIST), header));
  }

  /** Adds a complete segment (and its init, the first time it is needed); `bytes` instead of the segment's own (captions). */
  add(segment: Segment, init: Buffer | undefined, bytes?: Buffer): void {
    if (this.ended) return;
    this.enqueue(async () => {
      const lines: string[] = [];
      if (init && !this.writtenInits.has(segment.initVersion)) {
        await writeFile(join(this.dir, initName(segment.initVersion)), init);
        this.writtenInits.add(segment.initVersion);
      }
      if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      if (this.format === 'm4s' && segment.initVersion !== this.lastInit) {
        lines.push(`#EXT-X-MAP:URI="${initName(segment.initVersion)}"`);
        this.lastInit = segment.initVersion;
      }
      const name = segmentName(segment.msn, this.format);
      await writeFile(join(this.dir, name), bytes ?? segment.bytes ?? Buffer.concat(segment.parts.map((p) => p.bytes)));
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.programDateTime).toISOString()}`, `#EXTINF:${seconds(segment.duration)},`, name, '');
      await appendFile(join(this.dir, MEDIA_PLAYLIST), lines.join('\n'));
    });
  }

  /** Closes the playlist (EXT-X-ENDLIST); resolves when everything is on disk. Idempotent. */
  end(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.enqueue(() => appendFile(join(this.dir, MEDIA_PLAYLIST), '#EXT-X-ENDLIST\n'));
    }
    return this.queue;
  }

  /** Resolves when what was added so far is on disk. */
  flushed(): Promise<void> {
    return this.queue;
  }

  private enqueue(write: () => Promise<void>): void {
    this.queue = this.queue.then(write).catch((error: unknown) => this.logger.error({ err: error, dir: this.dir }, 'archive write failed'));
  }
}

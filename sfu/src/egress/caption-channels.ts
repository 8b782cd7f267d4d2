import { join } from 'node:path';
import type { Logger } from 'pino';
import { SubtitleRendition, type CaptionTrackInfo, type Cue } from '../hls/captions';
import type { HlsRendition, Segment } from '../hls/rendition';
import { RenditionArchive } from '../archive/recorder';

/**
 * The captions channels of one broadcast: a WebVTT subtitles rendition each, in
 * step with the leader (the first video rendition), and their recording. A
 * channel removed keeps what it recorded; the recording plays with every
 * channel it ever had.
 */
export class CaptionChannels {
  private tracks: SubtitleRendition[] = [];
  private readonly archives = new Map<string, { archive: RenditionArchive; info: CaptionTrackInfo }>();
  /** Complete segments whose captions are not recorded yet (see recorded). */
  private readonly toRecord: Segment[] = [];

  constructor(private readonly options: { archiveDir?: string; segmentSeconds: number; logger: Logger }) {}

  /** The subtitles renditions as they are now. */
  get renditions(): readonly SubtitleRendition[] {
    return this.tracks;
  }

  /** Every channel the recording has, in the order they came. */
  get recordedChannels(): CaptionTrackInfo[] {
    return [...this.archives.values()].map((c) => c.info);
  }

  /**
   * The channels as the conference has them now: a new one becomes a subtitles rendition
   * (recorded from then on), a removed one goes. True when they changed.
   */
  set(tracks: readonly CaptionTrackInfo[], leader: HlsRendition): boolean {
    const same = tracks.length === this.tracks.length && tracks.every((t, i) => JSON.stringify(t) === JSON.stringify(this.tracks[i]?.info));
    if (same) return false;
    const existing = new Map(this.tracks.map((track) => [track.name, track]));
    this.tracks = tracks.map((info) => {
      const kept = existing.get(info.id);
      return kept && JSON.stringify(kept.info) === JSON.stringify(info) ? kept : new SubtitleRendition(info, leader);
    });
    const { archiveDir } = this.options;
    if (archiveDir) {
      for (const track of this.tracks) {
        if (this.archives.has(track.name)) continue;
        const archive = new RenditionArchive(join(archiveDir, track.name), Math.round(this.options.segmentSeconds) + 1, this.options.logger, 'vtt');
        this.archives.set(track.name, { archive, info: track.info });
      }
    }
    return true;
  }

  /** Adds a caption line to a channel; false when there is no such channel. */
  addCue(trackId: string, cue: Cue): boolean {
    const track = this.tracks.find((t) => t.name === trackId);
    track?.add(cue);
    return track !== undefined;
  }

  /**
   * The leader completed a segment: its captions are recorded two segments later, since a line
   * may be timed up to CAPTION_DELAY_MS (3 s) before it came, into a segment already complete.
   */
  recorded(segment: Segment): void {
    this.toRecord.push(segment);
    while (this.toRecord.length > 2) this.record(this.toRecord.shift() as Segment);
  }

  /** The broadcast ends: what is left is recorded and every channel's recording ends. */
  async end(): Promise<void> {
    for (const segment of this.toRecord.splice(0)) this.record(segment);
    await Promise.all([...this.archives.values()].map((c) => c.archive.end()));
  }

  private record(segment: Segment): void {
    for (const track of this.tracks) this.archives.get(track.name)?.archive.add(segment, undefined, track.recorded(segment));
  }
}

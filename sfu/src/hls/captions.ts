import type { HlsRendition, Part, Segment } from './rendition';

/** One caption line as it came in: when it was said (wall clock, ms) and its plain text. */
export interface Cue {
  at: number;
  text: string;
}

/** A caption channel as the multivariant playlist lists it. */
export interface CaptionTrackInfo {
  id: string;
  language: string;
  name: string;
}

/** How long a line stays up. */
const CUE_MS = 4000;
/** Lines older than this are forgotten (the live window is 20 s; the recording has them). */
const KEEP_MS = 120_000;

/** WebVTT cue text is plain text here: nothing in it can become markup or end the cue. */
function escapeCueText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A WebVTT timestamp (hh:mm:ss.mmm) of media seconds. */
function vttTime(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/**
 * A captions channel's subtitles rendition of the broadcast, in step with the
 * video: the same media sequence numbers, parts of the same length at the same
 * times (the leader rendition's), each a WebVTT file holding the lines shown
 * during it. Cue times are media times, mapped by X-TIMESTAMP-MAP to the
 * video's timeline (MPEGTS in 90 kHz units of the same media time, one map for
 * every file), so a line
 * appears with the picture it was timed to. A line overlapping several parts
 * is in each (players keep one copy).
 */
export class SubtitleRendition {
  private readonly cues: Cue[] = [];

  constructor(
    readonly info: CaptionTrackInfo,
    private readonly leader: HlsRendition,
  ) {}

  get name(): string {
    return this.info.id;
  }

  /** The video rendition whose parts these follow. */
  get timeline(): HlsRendition {
    return this.leader;
  }

  /** Adds a line (kept in time order); lines older than the window's reach are forgotten. */
  add(cue: Cue): void {
    let i = this.cues.length;
    while (i > 0 && (this.cues[i - 1] as Cue).at > cue.at) i--;
    this.cues.splice(i, 0, cue);
    const horizon = cue.at - KEEP_MS;
    while (this.cues.length > 0 && (this.cues[0] as Cue).at < horizon) this.cues.shift();
  }

  /** The WebVTT of one part, once the leader has that part. */
  part(msn: number, index: number): Buffer | undefined {
    const segment = this.leader.segmentAt(msn);
    const part = segment?.parts[index];
    if (!segment || !part) return undefined;
    return this.webvtt(segment, [part]);
  }

  /** The WebVTT of a whole segment, once the leader's is complete. */
  segment(msn: number): Buffer | undefined {
    const segment = this.leader.segmentAt(msn);
    return segment?.complete ? this.webvtt(segment, segment.parts) : undefined;
  }

  /** A complete segment's WebVTT, for the recording. */
  recorded(segment: Segment): Buffer {
    return this.webvtt(segment, segment.parts);
  }

  /** Lines shown during the given parts of a segment, as a WebVTT file in the video's media time. */
  private webvtt(segment: Segment, parts: readonly Part[]): Buffer {
    const first = segment.parts[0] as Part;
    // Wall clock of a media time in this segment (program date time is its first sample's).
    const wallOf = (mediaSeconds: number) => segment.programDateTime + (mediaSeconds - first.startTime) * 1000;
    const mediaOf = (wallMs: number) => first.startTime + (wallMs - segment.programDateTime) / 1000;
    const start = (parts[0] as Part).startTime;
    const last = parts[parts.length - 1] as Part;
    const [from, to] = [wallOf(start), wallOf(last.startTime + last.duration)];
    // One map for every file: media time 10 s is 900000 at 90 kHz, exactly. A map per part (its own
    // start, rounded to the millisecond) moved each copy of a line by a fraction of a millisecond,
    // and hls.js, which keeps one copy of a cue by its times, showed the line twice.
    const lines = ['WEBVTT', 'X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:10.000', ''];
    for (const cue of this.cues) {
      // A fixed length, not "until the next line": every part that carries a line must carry it
      // with the same times, or players (which keep one copy of a cue by its times and text) show
      // the copies of a line made before and after the next one came, side by side. Lines that
      // come faster than this roll up, two at a time, as live captions do.
      const end = cue.at + CUE_MS;
      if (end <= from || cue.at >= to) continue;
      lines.push(`${vttTime(mediaOf(cue.at))} --> ${vttTime(mediaOf(end))}`, escapeCueText(cue.text), '');
    }
    return Buffer.from(lines.join('\n'), 'utf8');
  }
}

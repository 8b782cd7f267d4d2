import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isRenditionName, MEDIA_PLAYLIST, seconds } from '../hls/names';
import type { Hold, Lookup } from '../hls/origin';

/** One recorded segment as the recording's playlist has it: its lines, ready to be written again. */
interface RecordedSegment {
  /** Its tags and its URI (PROGRAM-DATE-TIME, EXTINF, the name; a DISCONTINUITY or MAP before). */
  lines: string[];
  duration: number;
  discontinuity: boolean;
  /** The EXT-X-MAP in force for it (written again before the first segment after a skip). */
  map: string | undefined;
}

/** How much of one rendition's recorded playlist has been read, and what it held. */
interface ReadSoFar {
  /** Bytes of the file consumed (up to its last whole line). */
  offset: number;
  targetDuration: number;
  segments: RecordedSegment[];
  ended: boolean;
  /** Tags seen since the last segment's URI (they belong to the next segment). */
  pending: string[];
  map: string | undefined;
  /** Rendered answers for the segments read so far, by kind (whole or delta): a crowd of rewinding viewers costs one render per segment. */
  rendered: Map<'whole' | 'delta', { count: number; text: string }>;
}

/** A request for a DVR playlist: a delta update or the whole, and for a blocking reload the segment awaited. */
export interface DvrRequest {
  skip: boolean;
  /** `_HLS_msn`: answer once the recording has this segment (media sequence numbers count from 0). */
  msn?: number;
}

/** How often held blocking reloads look at the recording again (a segment comes every 2 s). */
const POLL_MS = 100;

/**
 * The recording on disk served for rewinding while the conference goes on (DVR): each
 * rendition's recorded event playlist, from its first segment to the newest, with delta updates
 * (`_HLS_skip=YES`: the segments older than CAN-SKIP-UNTIL replaced by one EXT-X-SKIP), so that
 * a player reloading a three-hour playlist every segment gets a few lines, not the whole list,
 * and blocking reloads (`_HLS_msn`: held until that segment is recorded), so that it asks once
 * per segment and never early.
 *
 * The recorder only appends to its playlist, so each read takes just the bytes added since the
 * last one; the media objects themselves are the recording's files, served as they are. Held
 * requests share one timer (this object owns it; it runs only while some are held).
 */
export class DvrPlaylists {
  private readonly read = new Map<string, ReadSoFar>();
  /** One read of a file at a time (concurrent requests share it). */
  private readonly reading = new Map<string, Promise<ReadSoFar | undefined>>();
  private readonly held = new Set<{ rendition: string; msn: number; until: number; answer: (state: ReadSoFar | undefined) => void }>();
  private poller: NodeJS.Timeout | undefined;

  constructor(private readonly recordingDir: string) {}

  /** A rendition's DVR playlist, whole or as a delta update, once it has the segment asked for. */
  async playlist(rendition: string, request: DvrRequest, hold: Hold): Promise<Lookup<string>> {
    const missing: Lookup<string> = { status: 'not-found', reason: 'The recording has no such rendition' };
    if (!isRenditionName(rendition)) return missing;
    let state = await this.update(rendition);
    if (!state) return missing;
    const { msn } = request;
    if (msn !== undefined && msn >= state.segments.length && !state.ended) {
      // The spec's limit: a segment more than two ahead of the newest is not worth waiting for.
      if (msn > state.segments.length + 1) return { status: 'invalid', reason: `Segment ${msn} is too far ahead of the recording (${state.segments.length} segments)` };
      const waiting = new Promise<ReadSoFar | undefined>((answer) => this.hold({ rendition, msn, until: Date.now() + hold.limitMs, answer }));
      state = await (hold.holding ? hold.holding(waiting) : waiting);
      if (!state || (msn >= state.segments.length && !state.ended)) return { status: 'not-yet', reason: `Segment ${msn} is not recorded yet` };
    }
    return { status: 'found', value: render(state, request.skip) };
  }

  /** Answers every held request at once (the conference's recording is not served any more). */
  close(): void {
    for (const waiter of this.held) waiter.answer(undefined);
    this.held.clear();
    clearInterval(this.poller);
    this.poller = undefined;
  }

  private hold(waiter: { rendition: string; msn: number; until: number; answer: (state: ReadSoFar | undefined) => void }): void {
    this.held.add(waiter);
    // Not what keeps a process up: held requests end with their connections.
    this.poller ??= setInterval(() => void this.pollHeld(), POLL_MS).unref();
  }

  private async pollHeld(): Promise<void> {
    const renditions = new Set([...this.held].map((waiter) => waiter.rendition));
    for (const rendition of renditions) {
      const state = await this.update(rendition).catch(() => undefined);
      for (const waiter of [...this.held].filter((w) => w.rendition === rendition)) {
        if (state && (waiter.msn < state.segments.length || state.ended || Date.now() > waiter.until)) {
          this.held.delete(waiter);
          waiter.answer(state);
        } else if (Date.now() > waiter.until) {
          this.held.delete(waiter);
          waiter.answer(undefined);
        }
      }
    }
    if (this.held.size === 0) {
      clearInterval(this.poller);
      this.poller = undefined;
    }
  }

  private update(rendition: string): Promise<ReadSoFar | undefined> {
    let current = this.reading.get(rendition);
    if (!current) {
      current = this.readMore(rendition).finally(() => this.reading.delete(rendition));
      this.reading.set(rendition, current);
    }
    return current;
  }

  private async readMore(rendition: string): Promise<ReadSoFar | undefined> {
    const path = join(this.recordingDir, rendition, MEDIA_PLAYLIST);
    const size = await stat(path).then((s) => s.size, () => undefined);
    if (size === undefined) return undefined;
    let state = this.read.get(rendition);
    if (!state) {
      state = { offset: 0, targetDuration: 1, segments: [], ended: false, pending: [], map: undefined, rendered: new Map() };
      this.read.set(rendition, state);
    }
    if (size <= state.offset) return state;
    const file = await open(path, 'r');
    try {
      const added = Buffer.alloc(size - state.offset);
      const { bytesRead } = await file.read(added, 0, added.length, state.offset);
      const text = added.subarray(0, bytesRead).toString('utf8');
      const whole = text.lastIndexOf('\n') + 1; // a line still being written waits for the next read
      state.offset += Buffer.byteLength(text.slice(0, whole));
      for (const line of text.slice(0, whole).split('\n')) readLine(state, line.trim());
    } finally {
      await file.close();
    }
    return state;
  }
}

function readLine(state: ReadSoFar, line: string): void {
  if (line === '') return;
  if (line.startsWith('#EXT-X-TARGETDURATION:')) state.targetDuration = Number(line.slice('#EXT-X-TARGETDURATION:'.length)) || 1;
  else if (line === '#EXT-X-ENDLIST') state.ended = true;
  else if (line.startsWith('#EXT-X-MAP:')) {
    state.map = line;
    state.pending.push(line);
  } else if (line === '#EXT-X-DISCONTINUITY' || line.startsWith('#EXT-X-PROGRAM-DATE-TIME:') || line.startsWith('#EXTINF:')) state.pending.push(line);
  else if (!line.startsWith('#')) {
    const extinf = state.pending.find((tag) => tag.startsWith('#EXTINF:'));
    const duration = extinf ? Number.parseFloat(extinf.slice('#EXTINF:'.length)) : 0;
    state.segments.push({ lines: [...state.pending, line], duration, discontinuity: state.pending.includes('#EXT-X-DISCONTINUITY'), map: state.map });
    state.pending = [];
  }
  // The header's other tags (version, playlist type, media sequence 0) are written anew.
}

/** CAN-SKIP-UNTIL in target durations: the least the spec allows (six). */
const SKIP_BOUNDARY_TARGETS = 6;

function render(state: ReadSoFar, skip: boolean): string {
  const kind = skip ? 'delta' : 'whole';
  const cached = state.rendered.get(kind);
  const count = state.segments.length + (state.ended ? 1 : 0);
  if (cached?.count === count) return cached.text;
  const skipUntil = SKIP_BOUNDARY_TARGETS * state.targetDuration;
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:9',
    `#EXT-X-TARGETDURATION:${state.targetDuration}`,
    '#EXT-X-PLAYLIST-TYPE:EVENT',
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=${seconds(skipUntil)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  let skipped = 0;
  if (skip) {
    // Segments that end more than the skip boundary before the newest one's end; never one that
    // starts a discontinuity (its tag must stay visible to the player).
    let age = state.segments.reduce((sum, segment) => sum + segment.duration, 0);
    for (const segment of state.segments) {
      if (age - segment.duration < skipUntil || segment.discontinuity) break;
      age -= segment.duration;
      skipped++;
    }
  }
  const first = state.segments[skipped];
  if (skipped > 0 && first) {
    lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skipped}`);
    if (first.map && !first.lines.includes(first.map)) lines.push(first.map);
  }
  for (const segment of state.segments.slice(skipped)) lines.push(...segment.lines);
  if (state.ended) lines.push('#EXT-X-ENDLIST');
  const text = `${lines.join('\n')}\n`;
  state.rendered.set(kind, { count, text });
  return text;
}

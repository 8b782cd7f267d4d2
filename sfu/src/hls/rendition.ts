import { BoxSplitter, readFragment, readInit, type InitInfo } from './fmp4';
import { PartAligner, type Placement } from './aligner';
import type { Part, Segment } from './media';

export type { Part, Segment } from './media';

export interface RenditionOptions {
  /** Target segment duration, seconds (segments start on the first independent part past it). */
  segmentTarget: number;
  /** How many complete segments the live window keeps. */
  windowSegments: number;
  /** Told of every segment once it is complete (the archive writes it to disk). */
  onSegment?: (segment: Segment, init: Buffer | undefined) => void;
  /** The media sequence number of the first segment (default 0). */
  firstMsn?: number;
  /** The discontinuity sequence number of the first segment (default 0). */
  firstDiscontinuitySequence?: number;
  /** Told of every part as it is published (metrics). */
  onPart?: () => void;
  clock?: () => number;
  /**
   * The rendition whose parts and numbers this one follows (audio follows the first video
   * rendition): its own fragments are grouped into parts at the leader's part boundaries.
   */
  follows?: HlsRendition;
}

/** Told of every part a rendition publishes, with where it went. */
type PartListener = (placement: Placement, part: Part) => void;

/**
 * How long the audio's fragments are at least (see PartAligner); ffmpeg's -frag_duration for a
 * follower: two AAC frames (42.7 ms), so parts grouped from them are 0.47-0.51 s against 0.5 s
 * video parts (every part but a segment's last must be at least 85 % of PART-TARGET; 0.1 s
 * fragments made 0.43 and 0.53 s parts, which players may refuse). Each fragment's header costs
 * about 110 bytes: some 2.5 kB/s (20 kbit/s) per audio rendition, 1-3 % of a viewer's bitrate.
 */
export const FOLLOWER_FRAGMENT_SECONDS = 0.042;

/** How many held requests are let go per turn of the event loop. */
const RELEASE_BATCH = 64;

interface Waiter {
  msn: number;
  part: number;
  resolve: (found: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * One rendition of the live program, packaged for LL-HLS from the fMP4 stream
 * ffmpeg writes: an init segment, then parts (one per fragment) grouped into
 * segments that start on independent parts. Keeps a sliding window in memory
 * and lets blocking playlist requests wait until a given part exists.
 */
export class HlsRendition {
  private splitter = new BoxSplitter();
  private initInfo: InitInfo | undefined;
  private initParts: Buffer[] = [];
  /** Init segments by version, so segments from before a discontinuity stay playable. */
  private readonly inits = new Map<number, Buffer>();
  private pendingMoof: Buffer | undefined;
  private readonly segments: Segment[] = [];
  private nextMsn: number;
  /** How many discontinuities precede the first segment of the window (EXT-X-DISCONTINUITY-SEQUENCE). */
  discontinuitySequence: number;
  private readonly waiters = new Set<Waiter>();
  /** Waiters whose part exists, not yet let go (see release). */
  private readonly ready: Waiter[] = [];
  private releasing: NodeJS.Immediate | undefined;
  private readonly clock: () => number;
  /** The next part starts a new segment whatever its length, after a discontinuity. */
  private forceCut = false;
  /** Wall-clock time (ms) of media time 0 of the current encoder; see setTimelineOrigin. */
  private timelineOrigin: number | undefined;
  /** Bumped at each discontinuity; segments carry the version of the init they need. */
  private initVersion = 0;
  private partsPublished = 0;
  private readonly partListeners = new Set<PartListener>();
  /** Set when this rendition follows a leader's parts. */
  private readonly aligner: PartAligner | undefined;
  private readonly stopFollowing: (() => void) | undefined;

  constructor(
    readonly name: string,
    private readonly options: RenditionOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.nextMsn = options.firstMsn ?? 0;
    this.discontinuitySequence = options.firstDiscontinuitySequence ?? 0;
    const leader = options.follows;
    if (leader) {
      const aligner = new PartAligner((part, placement) => this.addPart(part, placement), FOLLOWER_FRAGMENT_SECONDS / 2);
      this.aligner = aligner;
      this.stopFollowing = leader.onPart((placement, part) => aligner.leaderPart(placement, part));
    }
  }

  /** Tells `listener` of every part published from now on; returns how to stop. */
  onPart(listener: PartListener): () => void {
    this.partListeners.add(listener);
    return () => this.partListeners.delete(listener);
  }

  /** The discontinuity sequence number the next segment will have (a rendition added now starts there). */
  nextDiscontinuitySequence(): number {
    const marked = this.segments.filter((s) => s.discontinuity).length;
    return this.discontinuitySequence + marked + (this.forceCut && this.segments.length > 0 ? 1 : 0);
  }

  /** The current init segment (ftyp + moov), once ffmpeg has written it. */
  get init(): Buffer | undefined {
    return this.inits.get(this.initVersion);
  }

  /** The init segment a segment of this version needs. */
  initFor(version: number): Buffer | undefined {
    return this.inits.get(version);
  }

  /** The segments in the live window, oldest first (the last one may still be growing). */
  get window(): readonly Segment[] {
    return this.segments;
  }

  /**
   * The longest part in the window, seconds: PART-TARGET must not be below any part the playlist
   * lists. It counts a part only while it is in the window: the longest part ever seen (1.53 s
   * once, an encoder stalling as a broadcast started under load) set PART-TARGET, and with it
   * every viewer's PART-HOLD-BACK (4.6 s), for the rest of the broadcast.
   */
  get maxPartDuration(): number {
    let longest = 0;
    for (const segment of this.segments) for (const part of segment.parts) longest = Math.max(longest, part.duration);
    return longest;
  }

  /** Feeds bytes from ffmpeg's fMP4 output. */
  write(chunk: Buffer): void {
    for (const box of this.splitter.push(chunk)) {
      if (box.type === 'ftyp') this.initParts = [box.bytes];
      else if (box.type === 'moov') {
        this.initParts.push(box.bytes);
        this.initInfo = readInit(box.bytes);
        this.inits.set(this.initVersion, Buffer.concat(this.initParts));
      } else if (box.type === 'moof') this.pendingMoof = box.bytes;
      else if (box.type === 'mdat' && this.pendingMoof && this.initInfo) {
        const info = readFragment(this.pendingMoof, this.initInfo);
        const timescale = this.initInfo.timescale;
        const part = { bytes: Buffer.concat([this.pendingMoof, box.bytes]), startTime: info.startTime / timescale, duration: info.duration / timescale, independent: info.independent };
        if (this.aligner) this.aligner.fragment(part);
        else this.addPart(part);
        this.pendingMoof = undefined;
      }
    }
  }

  /**
   * Ties media time 0 of the current encoder to a wall-clock time (when its
   * input started flowing), so that program date times follow the media
   * timeline instead of when parts happen to come out of the encoder.
   */
  setTimelineOrigin(wallMs: number): void {
    this.timelineOrigin = wallMs;
  }

  /** Marks a discontinuity: the encoder restarted; the next part begins a new segment. */
  discontinuity(): void {
    this.forceCut = true;
    this.initVersion++;
    this.initInfo = undefined;
    this.pendingMoof = undefined;
    // The new encoder's stream starts afresh: nothing of a box the old one left half-written.
    this.splitter = new BoxSplitter();
    this.aligner?.reset();
  }

  /**
   * Where the next part will go: the next index of the growing segment, or part
   * 0 of a new segment once the growing one has reached the target duration (the
   * next part is then expected to start on a keyframe, as the ladder's 2 s GOPs do).
   */
  nextPart(): { msn: number; part: number } | undefined {
    const last = this.segments[this.segments.length - 1];
    if (!last) return undefined;
    // A follower's next part is the leader's part it has not matched yet, or the leader's next.
    const leader = this.options.follows?.segmentAt(last.msn);
    if (leader) return leader.complete && leader.parts.length <= last.parts.length ? { msn: last.msn + 1, part: 0 } : { msn: last.msn, part: last.parts.length };
    return last.duration >= this.options.segmentTarget - 0.01 ? { msn: last.msn + 1, part: 0 } : { msn: last.msn, part: last.parts.length };
  }

  /** A part by media sequence number and index, if it exists in the window. */
  part(msn: number, index: number): Part | undefined {
    return this.segmentAt(msn)?.parts[index];
  }

  segmentAt(msn: number): Segment | undefined {
    return this.segments.find((s) => s.msn === msn);
  }

  /** Resolves true once part `index` of segment `msn` exists (or a later segment does), false after timeoutMs. */
  waitFor(msn: number, index: number, timeoutMs: number): Promise<boolean> {
    if (this.has(msn, index)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        msn,
        part: index,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Parts published so far: a playlist built after the same count is the same playlist. */
  get published(): number {
    return this.partsPublished;
  }

  /** A follower's media seconds that found no place in the leader's parts since its last part (see PartAligner). */
  get unplacedSeconds(): number {
    return this.aligner?.unplacedSeconds ?? 0;
  }

  /** Requests waiting for a part that does not exist yet (the ready ones not counted). */
  get waiting(): number {
    return this.waiters.size;
  }

  /** Gives up every pending wait (shutdown); the ones whose part arrived are let go at once. */
  close(): void {
    this.stopFollowing?.();
    if (this.releasing) clearImmediate(this.releasing);
    this.releasing = undefined;
    for (const waiter of this.ready.splice(0)) waiter.resolve(true);
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.waiters.clear();
  }

  private has(msn: number, index: number): boolean {
    const last = this.segments[this.segments.length - 1];
    if (!last) return false;
    if (msn < last.msn) return this.segments.some((s) => s.msn === msn) || msn < (this.segments[0]?.msn ?? 0);
    if (msn > last.msn) return false;
    return index < last.parts.length;
  }

  /** Publishes a part: where its own rule says (a segment starts on an independent part past the target), or where a leader put its own. */
  private addPart(part: Part, placement?: Placement): void {
    const current = this.segments[this.segments.length - 1];
    const cut = placement ? current?.msn !== placement.msn : this.forceCut || (part.independent && (current?.duration ?? Infinity) >= this.options.segmentTarget - 0.01);
    if (cut || !current) {
      if (placement) this.nextMsn = placement.msn;
      if (current) {
        complete(current);
        this.options.onSegment?.(current, this.initFor(current.initVersion));
        if (placement) this.fillGap(current, placement.msn);
      }
      this.segments.push({
        msn: this.nextMsn++,
        parts: [part],
        duration: part.duration,
        programDateTime: placement?.programDateTime ?? (this.timelineOrigin !== undefined ? this.timelineOrigin + part.startTime * 1000 : this.clock() - part.duration * 1000),
        complete: false,
        bytes: undefined,
        discontinuity: this.forceCut && this.segments.length > 0,
        initVersion: this.initVersion,
      });
      this.forceCut = false;
      while (this.segments.filter((s) => s.complete).length > this.options.windowSegments) {
        // A discontinuity leaving the window still counts: players number what follows by it.
        if (this.segments.shift()?.discontinuity) this.discontinuitySequence++;
      }
      // Inits no segment in the window needs any more are dropped.
      const oldest = this.segments[0]?.initVersion ?? this.initVersion;
      for (const version of this.inits.keys()) if (version < oldest) this.inits.delete(version);
    } else {
      current.parts.push(part);
      current.duration += part.duration;
    }
    this.partsPublished++;
    this.options.onPart?.();
    const segment = this.segments[this.segments.length - 1] as Segment;
    for (const listener of this.partListeners) listener({ msn: segment.msn, index: segment.parts.length - 1, programDateTime: segment.programDateTime }, part);
    for (const waiter of this.waiters) {
      if (this.has(waiter.msn, waiter.part)) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        this.ready.push(waiter);
      }
    }
    this.release();
  }

  /**
   * Puts a gap segment in the window for each of the leader's segments between `last` and
   * `nextMsn` that this follower has no media for (the aligner starts again on the leader's next
   * segment after a hole in the encoder's audio, or late after a restart). Seen under load: audio
   * segments 304 then 306, which hls.js numbered 304, 305, ... until the window slid past 304 and
   * its next playlist numbered them anew: a fatal "media sequence mismatch" for every viewer.
   * A gap takes the discontinuity that was to mark the next segment: it is the first after it.
   */
  private fillGap(last: Segment, nextMsn: number): void {
    let end = last.programDateTime + last.duration * 1000;
    for (let msn = last.msn + 1; msn < nextMsn; msn++) {
      const leader = this.options.follows?.segmentAt(msn);
      const duration = leader?.complete ? leader.duration : this.options.segmentTarget;
      const programDateTime = leader?.programDateTime ?? end;
      this.segments.push({ msn, parts: [], duration, programDateTime, complete: true, bytes: undefined, discontinuity: this.forceCut, initVersion: this.initVersion, gap: true });
      this.forceCut = false;
      end = programDateTime + duration * 1000;
    }
  }

  /**
   * Lets the ready waiters go a batch per turn of the event loop: each released
   * request then answers in the same turn, so 2,000 at once held the loop in one
   * stretch (health checks, sockets, the encoder's pipes all waiting behind them;
   * 30 ms measured, 18 ms in batches). Between batches everything else gets its turn.
   */
  private release(): void {
    if (this.releasing) return;
    for (const waiter of this.ready.splice(0, RELEASE_BATCH)) waiter.resolve(true);
    if (this.ready.length > 0) {
      this.releasing = setImmediate(() => {
        this.releasing = undefined;
        this.release();
      });
    }
  }
}

/**
 * Marks a segment complete and builds its bytes once, for every request of it
 * and for the recording; its parts become views into them, so the window holds
 * each byte once (a segment was concatenated again on every request before).
 */
function complete(segment: Segment): void {
  segment.complete = true;
  segment.bytes = Buffer.concat(segment.parts.map((part) => part.bytes));
  let offset = 0;
  for (const part of segment.parts) {
    const length = part.bytes.length;
    part.bytes = segment.bytes.subarray(offset, offset + length);
    offset += length;
  }
}

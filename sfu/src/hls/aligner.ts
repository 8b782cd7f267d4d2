import type { Part } from './media';

/** Where a part goes in the leader's numbering: its segment, that segment's start time and its index. */
export interface Placement {
  msn: number;
  index: number;
  programDateTime: number;
}

/** How much audio an aligner keeps waiting for the picture (or the reverse) before it lets the oldest go. */
const BACKLOG_SECONDS = 10;

/**
 * Puts an audio rendition's parts where the video's are. The encoder writes audio in small
 * fragments (two AAC frames: AAC frames are 21.3 ms, video frames 33.3 ms, so the two never end
 * together); each time the leader (the first video rendition) publishes a part, the fragments
 * up to its end become one part with the leader's media sequence number and index. So every
 * rendition has the same numbers and parts of (almost) the same times, and a player switching
 * language, or asking for the same part of each, finds them. A follower that starts late (the
 * encoder's audio comes a moment after the picture), or after a gap in its audio, starts on the
 * leader's next segment: a part has the leader's numbers or is not there at all.
 */
export class PartAligner {
  private fragments: Part[] = [];
  private boundaries: (Placement & { start: number; end: number })[] = [];
  private started = false;
  /** Seconds of fragments let go without a place since a part was last placed (see unplacedSeconds). */
  private dropped = 0;

  /** `slack`: half a fragment, seconds; a fragment belongs to the part it mostly lies in. */
  constructor(
    private readonly place: (part: Part, placement: Placement) => void,
    private readonly slack: number,
  ) {}

  /** The leader published part `index` of the segment `msn`. */
  leaderPart(placement: Placement, part: Part): void {
    this.boundaries.push({ ...placement, start: part.startTime, end: part.startTime + part.duration });
    while (this.boundaries.length > 1 && part.startTime - (this.boundaries[0]?.start ?? 0) > BACKLOG_SECONDS) this.boundaries.shift();
    this.drain();
  }

  /** A fragment of the follower's own stream. */
  fragment(fragment: Part): void {
    this.fragments.push(fragment);
    while (this.fragments.length > 1 && fragment.startTime - (this.fragments[0]?.startTime ?? 0) > BACKLOG_SECONDS) this.drop();
    this.drain();
  }

  /**
   * Seconds of this follower's media that came and found no place since a part was last placed:
   * let go (before the segment it starts on, or past the backlog) or still waiting. Media time,
   * not wall time: output held back by a loaded machine comes late but fits, and keeps this
   * small; a timeline gone wrong (timestamps that jumped) never fits, and this grows with every
   * fragment.
   */
  get unplacedSeconds(): number {
    return this.dropped + this.fragments.reduce((sum, f) => sum + f.duration, 0);
  }

  /** The encoder restarted: both streams begin again at media time 0. */
  reset(): void {
    this.fragments = [];
    this.boundaries = [];
    this.started = false;
    this.dropped = 0;
  }

  private drop(): void {
    this.dropped += this.fragments.shift()?.duration ?? 0;
  }

  private drain(): void {
    for (;;) {
      const boundary = this.boundaries[0];
      if (!boundary) return;
      if (!this.started) {
        // Start on a segment's first part, with the audio from its start.
        if (boundary.index !== 0) {
          this.boundaries.shift();
          continue;
        }
        while (this.fragments[0] && end(this.fragments[0]) <= boundary.start + this.slack) this.drop();
        // Audio that begins after the segment does would make a short first part: wait for the next segment.
        if (this.fragments[0] && this.fragments[0].startTime > boundary.start + this.slack) {
          this.boundaries.shift();
          continue;
        }
      }
      const last = this.fragments[this.fragments.length - 1];
      if (!last || end(last) < boundary.end - this.slack) return; // the audio of this part is still to come
      const taken: Part[] = [];
      while (this.fragments[0] && this.fragments[0].startTime < boundary.end - this.slack) taken.push(this.fragments.shift() as Part);
      this.boundaries.shift();
      const first = taken[0];
      if (!first) {
        // No audio at all in this part (a gap in the encoder's output): the parts after it would
        // take the wrong numbers, so this segment ends here and the next one starts in step.
        this.started = false;
        continue;
      }
      this.dropped = 0;
      this.place(
        { bytes: Buffer.concat(taken.map((f) => f.bytes)), startTime: first.startTime, duration: taken.reduce((sum, f) => sum + f.duration, 0), independent: true },
        { msn: boundary.msn, index: boundary.index, programDateTime: boundary.programDateTime },
      );
      this.started = true;
    }
  }
}

const end = (part: Part) => part.startTime + part.duration;

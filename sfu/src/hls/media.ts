/** What the LL-HLS packager makes of the encoder's output: parts and the segments they form. */

/** One LL-HLS part: a whole fMP4 fragment (moof + mdat). */
export interface Part {
  bytes: Buffer;
  /** Media time of the first sample, seconds since the encoder started. */
  startTime: number;
  /** Seconds. */
  duration: number;
  independent: boolean;
}

/** One segment: its parts in order; the segment's bytes are the parts concatenated. */
export interface Segment {
  /** Media sequence number. */
  msn: number;
  parts: Part[];
  /** Seconds, summed over its parts. */
  duration: number;
  /** Wall-clock time of the segment's first sample (ms since the epoch). */
  programDateTime: number;
  /** True once the next segment has started: no more parts will be added. */
  complete: boolean;
  /** The whole segment's bytes, built once when it completes (its parts are then views into them). */
  bytes: Buffer | undefined;
  /** The encoder restarted before this segment (EXT-X-DISCONTINUITY). */
  discontinuity: boolean;
  /** Which init segment this segment needs (changes at discontinuities). */
  initVersion: number;
  /**
   * A follower's placeholder for a leader's segment it has no media for (EXT-X-GAP): players
   * number segments by their place in the playlist, so a missing number would shift every
   * later one. No parts, no bytes; not recorded.
   */
  gap?: true;
}

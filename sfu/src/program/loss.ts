/**
 * How long (ms) the broadcast encoder waits for a missing RTP packet of the program before it
 * decodes without it (ffmpeg's `-max_delay` on its RTP input; its own default is 100 ms). A
 * packet lost on a venue's uplink comes back when the SFU asks the venue for it again (NACK),
 * one round trip later, and if that request or its answer is lost too, the SFU asks again a
 * round trip after: 600 ms lets the second try arrive over a 200 ms round trip. The wait delays
 * the picture only while a gap is open, less than the players' hold-back. Measured at 2 % loss
 * and 200 ms (npm run bench:lossy-link): ffmpeg's 100 ms froze the broadcast for good; 400 ms
 * left a 0.7 s freeze a minute (the second try came too late); 600 ms none.
 */
export const RETRANSMISSION_WAIT_MS = 600;

/** At most one keyframe request per this long (ms): a keyframe takes a round trip to come. */
const MIN_REQUEST_INTERVAL_MS = 500;
/** A gap this long (packets) is not waited for: the venue's stream broke or restarted. */
const MAX_GAP = 200;

/**
 * The sequence numbers of the source on air since its packets were last mapped onto the
 * program: how far each packet is ahead of the newest (1: the next one; more: packets lost in
 * between; 0 or less: a late retransmission or a repeat). One answer for every track: audio fills
 * a gap with silence at once, video waits for the retransmission.
 *
 * With `requestKeyFrame` (video) it also watches the gaps: once the encoder has decoded without a
 * packet that did not come back in time, every picture after it is broken until the next
 * keyframe, and a browser sends keyframes only when asked (ffmpeg never asks). So the program
 * asks the source itself, and the freeze lasts a round trip instead of until the next floor
 * change.
 */
export class SourceSequence {
  private newest: number | undefined;
  /** Missing sequence numbers and when each was found missing (ms); oldest first. */
  private readonly missing = new Map<number, number>();
  private lastRequestAt = -Infinity;
  /** Keyframes asked for so far (for the logs and the tests). */
  requests = 0;

  constructor(private readonly requestKeyFrame?: () => void, private readonly waitMs = RETRANSMISSION_WAIT_MS) {}

  /** A packet of the source on air arrived at `now` (ms): how far ahead of the newest it is. */
  advance(sequence: number, now: number): number {
    const newest = this.newest;
    const ahead = newest === undefined ? 1 : ((sequence - newest) << 16) >> 16;
    if (ahead > 0) this.newest = sequence;
    if (!this.requestKeyFrame) return ahead;
    if (ahead <= 0) this.missing.delete(sequence);
    else if (newest !== undefined && ahead > MAX_GAP) this.ask(now);
    else if (newest !== undefined) for (let gap = 1; gap < ahead; gap++) this.missing.set((newest + gap) & 0xffff, now);
    const oldest = this.missing.values().next();
    if (!oldest.done && now - oldest.value > this.waitMs) this.ask(now);
    return ahead;
  }

  /** The source's packets are mapped anew (a cut, or audio after silence): its numbers start afresh. */
  reset(): void {
    this.newest = undefined;
    this.missing.clear();
  }

  /** A keyframe repairs every gap before it: they are forgotten once it is asked for. */
  private ask(now: number): void {
    // Asked a moment ago: the gaps stay, and are asked for once the interval is over if the keyframe did not come first.
    if (!this.requestKeyFrame || now - this.lastRequestAt < MIN_REQUEST_INTERVAL_MS) return;
    this.missing.clear();
    this.lastRequestAt = now;
    this.requests++;
    this.requestKeyFrame();
  }
}

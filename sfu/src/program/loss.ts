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
 * Watches the sequence numbers of the video source on air for packets that did not come back in
 * time: once the encoder has decoded without one, every picture after it is broken until the
 * next keyframe, and a browser sends keyframes only when asked (ffmpeg never asks). So the
 * program asks the source itself, and the freeze lasts a round trip instead of until the next
 * floor change. Chosen once per video track; `reset()` at each cut (a new source, new numbers).
 */
export class LossRepair {
  private newest: number | undefined;
  /** Missing sequence numbers and when each was found missing (ms); oldest first. */
  private readonly missing = new Map<number, number>();
  private lastRequestAt = -Infinity;
  /** Keyframes asked for so far (for the logs and the tests). */
  requests = 0;

  constructor(private readonly requestKeyFrame: () => void, private readonly waitMs = RETRANSMISSION_WAIT_MS) {}

  /** A packet of the source on air arrived at `now` (ms); returns whether it is the newest yet (not a late retransmission). */
  onPacket(sequence: number, now: number): boolean {
    const newest = this.newest;
    const ahead = newest === undefined ? 1 : ((sequence - newest) << 16) >> 16;
    if (ahead <= 0) {
      this.missing.delete(sequence);
      return false;
    }
    if (newest !== undefined && ahead > MAX_GAP) this.ask(now);
    else if (newest !== undefined) for (let gap = 1; gap < ahead; gap++) this.missing.set((newest + gap) & 0xffff, now);
    this.newest = sequence;
    const oldest = this.missing.values().next();
    if (!oldest.done && now - oldest.value > this.waitMs) this.ask(now);
    return true;
  }

  /** A new source on air: its numbers start afresh. */
  reset(): void {
    this.newest = undefined;
    this.missing.clear();
  }

  /** A keyframe repairs every gap before it: they are forgotten once it is asked for. */
  private ask(now: number): void {
    // Asked a moment ago: the gaps stay, and are asked for once the interval is over if the keyframe did not come first.
    if (now - this.lastRequestAt < MIN_REQUEST_INTERVAL_MS) return;
    this.missing.clear();
    this.lastRequestAt = now;
    this.requests++;
    this.requestKeyFrame();
  }
}

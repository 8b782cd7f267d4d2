import type { HlsRendition } from '../hls/rendition';

/**
 * How many seconds of a rendition's own media may find no place in the picture's parts before
 * it counts as out of step: fragments that never fit are a timeline gone wrong (timestamps that
 * jumped), which does not mend by itself. Counted in media time, not wall time: on a loaded
 * machine the encoder's output and this process's reading of it come late and in bursts, and a
 * wall-clock bound restarted the encoder again and again (every viewer stalling each time) while
 * nothing was wrong. More than a segment and a part: after a hole in its audio a follower lets
 * its fragments go until the picture's next segment starts, up to 2.3 s of them.
 */
export const OUT_OF_STEP_SECONDS = 3;
/**
 * How long a rendition may go without a part while the picture goes on (its input stalled, a
 * filter stopped). An overloaded machine holds an audio output back for seconds (seen: 5 s while
 * two browsers started) and it catches up by itself; starting the encoder again then would only
 * stall every viewer on top. A rendition without a part this long is not catching up.
 */
export const SILENT_MS = 10_000;
/**
 * After the encoder (re)starts, a follower begins on the picture's next segment (up to a
 * segment and a part later): it is judged from its first part, or after this long without one.
 */
const FIRST_PART_GRACE_MS = 6000;
const CHECK_EVERY_MS = 250;

interface Seen {
  published: number;
  partAt: number;
}

/**
 * Watches that every rendition of one encoder keeps making parts while the first video
 * rendition does, and names those that stopped for good: whatever the cause (the encoder's
 * timestamps of one output went back, a filter stalled), a rendition that never comes back
 * leaves its viewers' players standing still, picture and all. The owner of the encoder starts
 * it again.
 */
export class StepWatch {
  private readonly seen = new Map<HlsRendition, Seen>();
  private startedAt: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly renditions: () => readonly HlsRendition[],
    private readonly onOutOfStep: (names: string[]) => void,
    private readonly clock: () => number = Date.now,
  ) {
    this.startedAt = clock();
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
  }

  /** The encoder started again: every rendition begins anew. */
  restarted(): void {
    this.startedAt = this.clock();
    this.seen.clear();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** One look: which followers stopped making parts while the leader made them. */
  check(): void {
    const now = this.clock();
    const [leader, ...followers] = this.renditions();
    if (!leader) return;
    const leaderAt = this.look(leader, now).partAt;
    const stopped = followers.filter((rendition) => {
      const { partAt } = this.look(rendition, now);
      // Its media keeps coming and does not fit, or no part has come for long.
      if (rendition.unplacedSeconds > OUT_OF_STEP_SECONDS) return true;
      if (partAt <= this.startedAt && now - this.startedAt <= FIRST_PART_GRACE_MS) return false;
      return leaderAt - Math.max(partAt, this.startedAt) > SILENT_MS;
    });
    if (stopped.length > 0) this.onOutOfStep(stopped.map((r) => r.name));
  }

  /** When a rendition last published a part, as far as this watch saw. */
  private look(rendition: HlsRendition, now: number): Seen {
    const before = this.seen.get(rendition);
    // The count changed since the last look: it happened since (never seen: before this watch's start).
    const changedAt = before ? now : this.startedAt;
    const seen = { published: rendition.published, partAt: before?.published === rendition.published ? before.partAt : changedAt };
    this.seen.set(rendition, seen);
    return seen;
  }
}

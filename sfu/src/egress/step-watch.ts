import type { HlsRendition } from '../hls/rendition';

/**
 * How long a rendition may go without a new part while the first video rendition makes them
 * before it counts as out of step. The audio's parts follow the picture's by tens of
 * milliseconds; a part and a half is already no jitter.
 */
export const OUT_OF_STEP_MS = 1500;
/**
 * After the encoder (re)starts, a follower begins on the picture's next segment (up to a
 * segment and a part later): it is judged from its first part, or after this long without one.
 */
const FIRST_PART_GRACE_MS = 6000;
const CHECK_EVERY_MS = 250;

interface Seen {
  published: number;
  at: number;
}

/**
 * Watches that every rendition of one encoder keeps making parts while the first video
 * rendition does, and names those that stopped: whatever the cause (the encoder's timestamps of
 * one output went back, a filter stalled), a rendition that never comes back leaves its viewers'
 * players standing still, picture and all. The owner of the encoder starts it again.
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

  /** One look: which followers have made no part for OUT_OF_STEP_MS of the leader's parts. */
  check(): void {
    const now = this.clock();
    const [leader, ...followers] = this.renditions();
    if (!leader) return;
    const leaderAt = this.lastPartAt(leader, now);
    const stopped = followers.filter((rendition) => {
      const last = this.lastPartAt(rendition, now);
      const judged = last > this.startedAt || now - this.startedAt > FIRST_PART_GRACE_MS;
      return judged && leaderAt - Math.max(last, this.startedAt) > OUT_OF_STEP_MS;
    });
    if (stopped.length > 0) this.onOutOfStep(stopped.map((r) => r.name));
  }

  /** When a rendition last published a part, as far as this watch saw (its start if never). */
  private lastPartAt(rendition: HlsRendition, now: number): number {
    const before = this.seen.get(rendition);
    if (before?.published === rendition.published) return before.at;
    // A new count: parts came since the last look (never seen: they came before this watch's start).
    const at = before ? now : this.startedAt;
    this.seen.set(rendition, { published: rendition.published, at });
    return at;
  }
}

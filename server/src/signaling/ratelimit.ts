/**
 * A token bucket: `burst` actions at once, refilled at `perSecond`. One per
 * socket and budget, so one noisy client cannot flood the conference. The
 * burst may follow the conference (a presider receives every venue at once).
 */
export class TokenBucket {
  /** Tokens taken and not yet refilled. */
  private spent = 0;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number | (() => number),
    private readonly clock: () => number = Date.now,
  ) {
    this.last = clock();
  }

  /** Takes a token if one is left. */
  take(): boolean {
    const now = this.clock();
    this.spent = Math.max(0, this.spent - ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    const burst = typeof this.burst === 'number' ? this.burst : this.burst();
    if (this.spent + 1 > burst) return false;
    this.spent += 1;
    return true;
  }
}

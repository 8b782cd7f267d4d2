/**
 * A token bucket: `burst` actions at once, refilled at `perSecond`. One per
 * socket, so one noisy client cannot flood the conference.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = clock();
  }

  /** Takes a token if one is left. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True when the bucket is as full as a new one: forgetting it changes nothing. */
  get full(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}

/**
 * One token bucket per key (a client address), forgotten once full again, so
 * the map stays as small as the set of clients that are actually busy.
 */
export class KeyedRateLimit {
  private readonly buckets = new Map<string, TokenBucket>();
  private sweeps = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
  ) {}

  take(key: string): boolean {
    // Every 1,000 takes, drop the buckets that have refilled (idle clients); a flooding one stays.
    if (++this.sweeps % 1000 === 0) for (const [k, b] of this.buckets) if (b.full) this.buckets.delete(k);
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(this.perSecond, this.burst, this.clock)));
    return bucket.take();
  }
}

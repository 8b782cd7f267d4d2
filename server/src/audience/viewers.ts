import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { reportRedisTrouble, closeRedis } from '../store/redis-trouble';

/**
 * How many people watch a conference's broadcast. Watch pages announce
 * themselves every BEACON_SECONDS with a random id; a viewer counts once per
 * WINDOW_SECONDS window, so the count is the distinct ids of the last complete
 * window (or of the current one, once it is larger). At a large audience only
 * a sample of pages announce themselves (`sample`), and the count is scaled up.
 */
export const BEACON_SECONDS = 20;
const WINDOW_SECONDS = 30;

export interface ViewerCounter {
  /** The share of watch pages that announce themselves, 0 < sample <= 1. */
  readonly sample: number;
  seen(conferenceId: string, viewerId: string): Promise<void>;
  count(conferenceId: string): Promise<number>;
  close(): Promise<void>;
}

const windowOf = (now: number) => Math.floor(now / (WINDOW_SECONDS * 1000));

/** Exact counts in this process: the embedded default. */
export class MemoryViewerCounter implements ViewerCounter {
  private readonly windows = new Map<string, Map<number, Set<string>>>();

  constructor(
    readonly sample: number,
    private readonly now: () => number = Date.now,
  ) {}

  async seen(conferenceId: string, viewerId: string): Promise<void> {
    const current = windowOf(this.now());
    let windows = this.windows.get(conferenceId);
    if (!windows) this.windows.set(conferenceId, (windows = new Map()));
    for (const old of windows.keys()) if (old < current - 1) windows.delete(old);
    let ids = windows.get(current);
    if (!ids) windows.set(current, (ids = new Set()));
    ids.add(viewerId);
  }

  async count(conferenceId: string): Promise<number> {
    const current = windowOf(this.now());
    const windows = this.windows.get(conferenceId);
    const distinct = Math.max(windows?.get(current)?.size ?? 0, windows?.get(current - 1)?.size ?? 0);
    return Math.round(distinct / this.sample);
  }

  async close(): Promise<void> {}
}

/**
 * Counts shared by every server process: one HyperLogLog per conference and
 * window (12 KB whatever the audience, about 1% error), expiring by itself.
 */
export class RedisViewerCounter implements ViewerCounter {
  private constructor(
    private readonly redis: Redis,
    readonly sample: number,
    private readonly now: () => number,
  ) {}

  static async connect(url: string, sample: number, now: () => number = Date.now, logger?: Logger): Promise<RedisViewerCounter> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    reportRedisTrouble(redis, 'viewer count', logger);
    await redis.connect();
    return new RedisViewerCounter(redis, sample, now);
  }

  private key(conferenceId: string, window: number): string {
    return `plenary:viewers:${conferenceId}:${window}`;
  }

  async seen(conferenceId: string, viewerId: string): Promise<void> {
    const key = this.key(conferenceId, windowOf(this.now()));
    await this.redis.multi().pfadd(key, viewerId).expire(key, WINDOW_SECONDS * 3).exec();
  }

  async count(conferenceId: string): Promise<number> {
    const current = windowOf(this.now());
    const [now, before] = await Promise.all([this.redis.pfcount(this.key(conferenceId, current)), this.redis.pfcount(this.key(conferenceId, current - 1))]);
    return Math.round(Math.max(now, before) / this.sample);
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }
}

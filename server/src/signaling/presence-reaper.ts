import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { reportRedisTrouble, closeRedis } from '../store/redis-trouble';
import type { Logger } from 'pino';
import { SYSTEM, rooms } from '@plenary/shared';
import type { ConferenceService } from '../conference/service';
import type { PlenaryIo } from './io';

/** How often a process says it is alive, and how long that claim lasts. */
const HEARTBEAT_MS = 2000;
const ALIVE_TTL_S = 6;
/** How often each process looks for dead ones. */
const REAP_EVERY_MS = 3000;

const HOSTS = 'plenary:presence:hosts';
const alive = (host: string) => `plenary:presence:alive:${host}`;
const hosted = (host: string) => `plenary:presence:venues:${host}`;

/**
 * Presence across server processes (Redis mode). A venue is present while one
 * of its sockets is connected somewhere; a process that is SIGKILLed never runs
 * its disconnect handlers, so its venues would stay "present" for ever. Each
 * process therefore records in Redis which venues it hosts and renews an alive
 * key; the others notice a lapsed key within about 9 s and, for each of its
 * venues with no socket left on any process, store the venue's leave (and the
 * floor falls back as for any departure). Owns its Redis connection and timers.
 */
export class PresenceReaper {
  private readonly host = randomUUID();
  private readonly local = new Map<string, number>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly reaper: NodeJS.Timeout;

  private constructor(
    private readonly redis: Redis,
    private readonly io: PlenaryIo,
    private readonly conferences: ConferenceService,
    private readonly logger: Logger,
  ) {
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.reaper = setInterval(() => void this.reap(), REAP_EVERY_MS);
  }

  static async start(url: string, io: PlenaryIo, conferences: ConferenceService, logger: Logger): Promise<PresenceReaper> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    reportRedisTrouble(redis, 'presence', logger);
    await redis.connect();
    const reaper = new PresenceReaper(redis, io, conferences, logger);
    await reaper.beat();
    return reaper;
  }

  /** A venue's socket connected to this process. */
  connected(conferenceId: string, venueId: string): void {
    const key = `${conferenceId}/${venueId}`;
    const count = (this.local.get(key) ?? 0) + 1;
    this.local.set(key, count);
    if (count === 1) void this.redis.sadd(hosted(this.host), key).catch(() => undefined);
  }

  /** A venue's socket on this process went away. */
  disconnected(conferenceId: string, venueId: string): void {
    const key = `${conferenceId}/${venueId}`;
    const count = (this.local.get(key) ?? 1) - 1;
    if (count > 0) {
      this.local.set(key, count);
      return;
    }
    this.local.delete(key);
    void this.redis.srem(hosted(this.host), key).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    try {
      await this.redis.multi().set(alive(this.host), '1', 'EX', ALIVE_TTL_S).sadd(HOSTS, this.host).exec();
    } catch (error) {
      this.logger.warn({ err: error }, 'presence heartbeat failed');
    }
  }

  /** Finds processes whose alive key lapsed and lets their venues leave. */
  private async reap(): Promise<void> {
    try {
      for (const host of await this.redis.smembers(HOSTS)) {
        if (host === this.host || (await this.redis.exists(alive(host)))) continue;
        // One process reaps a dead one; the lock outlives the work.
        if ((await this.redis.set(`plenary:presence:reaping:${host}`, this.host, 'EX', 60, 'NX')) !== 'OK') continue;
        for (const key of await this.redis.smembers(hosted(host))) {
          const [conferenceId, venueId] = key.split('/') as [string, string];
          const remaining = await this.io.in(rooms.venue(conferenceId, venueId)).fetchSockets();
          if (remaining.length > 0) continue;
          await this.conferences.execute(conferenceId, SYSTEM, { type: 'leave', venueId });
          this.logger.warn({ conferenceId, venueId, deadProcess: host }, 'venue left with a dead server process');
        }
        await this.redis.multi().del(hosted(host)).srem(HOSTS, host).exec();
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'presence reaping failed');
    }
  }

  /**
   * Stops beating. The venues this process hosted stay on record: on a shutdown
   * they did not leave, they are reconnecting; whoever reaps this process next
   * lets go of those that did not come back.
   */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.reaper);
    await this.redis.del(alive(this.host)).catch(() => undefined);
    await closeRedis(this.redis);
  }
}

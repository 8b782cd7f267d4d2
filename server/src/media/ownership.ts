import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SimulatedVenueSpec } from '@plenary/sfu';
import { reportRedisTrouble, closeRedis } from '../store/redis-trouble';

/** Who hosts a conference's media: a process, where its origin answers, and the lease's fencing number. */
export interface MediaOwner {
  processId: string;
  /** The owner's own HTTP address, for the other processes (its /hls/ answers). */
  url: string;
  /** Rises with every new holder: an old owner that wakes up holds a smaller number. */
  fence: number;
}

/** What a conference's media is made of beyond the stored conference: whoever hosts it next rebuilds it from this. */
export interface MediaSetup {
  /** Simulated cameras standing in for venues (the demo), republished by a new owner. */
  simulated: SimulatedVenueSpec[];
}

interface OwnershipEvents {
  /** Another process holds this conference's lease now: this one must let the media go. */
  lost: [conferenceId: string];
}

/**
 * The lease on a conference's media: exactly one process at a time hosts its
 * broadcast (encoder, packager, recording). A process claims it when it first
 * needs the media; it lasts LEASE_MS and is renewed every RENEW_MS; a process
 * that dies without a goodbye loses it when it lapses, and another may claim
 * it. A renewal that finds another holder says `lost`. While Redis is away the
 * holder keeps its media (the broadcast must not go dark for a Redis restart):
 * it gives up only when it knows another process holds the lease.
 */
export interface MediaOwnership extends EventEmitter<OwnershipEvents> {
  readonly processId: string;
  /** Takes the lease if it is free or already this process's; the owner afterwards (this process or another). */
  claim(conferenceId: string): Promise<MediaOwner | undefined>;
  /** Whether this process holds the lease (as of its last claim or renewal). */
  owns(conferenceId: string): boolean;
  /**
   * Whether this process holds the lease and Redis said so within the lease's length. False
   * for a process that was paused longer than that (a stalled VM, SIGSTOP): until its next
   * renewal it cannot know whether another process took the media over meanwhile.
   */
  confirmed(conferenceId: string): boolean;
  /** The current holder, if any. */
  holder(conferenceId: string): Promise<MediaOwner | undefined>;
  /** Gives the lease up for another process to take at once (this one is shutting down). */
  release(conferenceId: string): Promise<void>;
  /** Gives the lease up for good and forgets the conference (it ended): no standby takes it over. */
  retire(conferenceId: string): Promise<void>;
  /** The conferences whose media some process hosts or hosted and that have not ended: what a standby watches. */
  hosted(): Promise<string[]>;
  /** Saves what a new owner must rebuild (the owner does, when its media changes). */
  saveSetup(conferenceId: string, setup: MediaSetup): Promise<void>;
  /** How many broadcasts of the conference came before this one, in any process (then counts this one). */
  nextBroadcast(conferenceId: string): Promise<number>;
  /** The saved setup; undefined when no process has hosted the conference's media yet. */
  setupOf(conferenceId: string): Promise<MediaSetup | undefined>;
  /** Gives every lease up and stops renewing. Idempotent. */
  close(): Promise<void>;
}

/** The embedded mode: one process, owner of everything. */
export class SoleOwnership extends EventEmitter<OwnershipEvents> implements MediaOwnership {
  readonly processId = 'embedded';
  private readonly setups = new Map<string, MediaSetup>();
  private readonly broadcasts = new Map<string, number>();

  constructor(private readonly url: () => string) {
    super();
  }

  async claim(): Promise<MediaOwner> {
    return { processId: this.processId, url: this.url(), fence: 1 };
  }

  owns(): boolean {
    return true;
  }

  confirmed(): boolean {
    return true;
  }

  async holder(): Promise<MediaOwner> {
    return this.claim();
  }

  async release(): Promise<void> {}

  async retire(conferenceId: string): Promise<void> {
    this.setups.delete(conferenceId);
  }

  async hosted(): Promise<string[]> {
    return [...this.setups.keys()];
  }

  async saveSetup(conferenceId: string, setup: MediaSetup): Promise<void> {
    this.setups.set(conferenceId, setup);
  }

  async setupOf(conferenceId: string): Promise<MediaSetup | undefined> {
    return this.setups.get(conferenceId);
  }

  async nextBroadcast(conferenceId: string): Promise<number> {
    const before = this.broadcasts.get(conferenceId) ?? 0;
    this.broadcasts.set(conferenceId, before + 1);
    return before;
  }

  async close(): Promise<void> {}
}

/**
 * A crashed owner's lease lapses within LEASE_MS of its last renewal; a standby looks every
 * 500 ms, so the broadcast is back within about LEASE_MS + the time to build the media (goal 6 s).
 * Renewed three times per lease: a process stalled for a whole lease (3 s) loses it, and its fence.
 */
export const LEASE_MS = 3000;
const RENEW_MS = 1000;
const HOSTED = 'plenary:media:hosted';
const setupKey = (conferenceId: string) => `plenary:media:setup:${conferenceId}`;
const leaseKey = (conferenceId: string) => `plenary:media:owner:${conferenceId}`;
const fenceKey = (conferenceId: string) => `plenary:media:fence:${conferenceId}`;

// KEYS[1] lease, KEYS[2] fence counter, KEYS[3] the hosted set; ARGV[1] process id, ARGV[2] url,
// ARGV[3] ttl ms, ARGV[4] conference id. The value is "fence|processId|url". Free: a new fencing
// number and this process (and the conference is watched by standbys); ours: renewed.
const CLAIM = `
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SADD', KEYS[3], ARGV[4])
  local fence = redis.call('INCR', KEYS[2])
  current = fence .. '|' .. ARGV[1] .. '|' .. ARGV[2]
  redis.call('SET', KEYS[1], current, 'PX', ARGV[3])
  return current
end
local _, _, holder = string.find(current, '^%d+|([^|]*)|')
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return current`;
// KEYS[1] lease; ARGV[1] the exact value held. 1 renewed, 0 someone else's (or gone).
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

function parse(value: string | null): MediaOwner | undefined {
  const match = value ? /^(\d+)\|([^|]*)\|(.*)$/.exec(value) : null;
  return match ? { fence: Number(match[1]), processId: match[2] as string, url: match[3] as string } : undefined;
}

/** Leases in Redis, shared by every server process (Redis mode). Owns its connection and its renewal timer. */
export class RedisOwnership extends EventEmitter<OwnershipEvents> implements MediaOwnership {
  readonly processId = randomUUID();
  /** The leases this process holds, by conference, with the exact value stored. */
  private readonly held = new Map<string, string>();
  /** When Redis last confirmed each lease held (claimed or renewed), by conference. */
  private readonly confirmedAt = new Map<string, number>();
  private readonly renewal: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly redis: Redis,
    private readonly url: () => string,
    private readonly logger: Logger,
  ) {
    super();
    this.renewal = setInterval(() => void this.renew(), RENEW_MS);
  }

  /** `ownUrl` says how the other processes reach this one (known once it listens). */
  static async connect(redisUrl: string, ownUrl: () => string, logger: Logger): Promise<RedisOwnership> {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    reportRedisTrouble(redis, 'media ownership', logger);
    await redis.connect();
    return new RedisOwnership(redis, ownUrl, logger);
  }

  async claim(conferenceId: string): Promise<MediaOwner | undefined> {
    if (this.closed) return this.holder(conferenceId);
    const value = (await this.redis.eval(CLAIM, 3, leaseKey(conferenceId), fenceKey(conferenceId), HOSTED, this.processId, this.url(), LEASE_MS, conferenceId)) as string;
    const owner = parse(value);
    if (owner?.processId === this.processId) {
      if (!this.held.has(conferenceId)) this.logger.info({ conferenceId, fence: owner.fence }, 'this process hosts the conference media');
      this.held.set(conferenceId, value);
      this.confirmedAt.set(conferenceId, Date.now());
    }
    return owner;
  }

  owns(conferenceId: string): boolean {
    return this.held.has(conferenceId);
  }

  confirmed(conferenceId: string): boolean {
    return this.held.has(conferenceId) && Date.now() - (this.confirmedAt.get(conferenceId) ?? 0) < LEASE_MS;
  }

  async holder(conferenceId: string): Promise<MediaOwner | undefined> {
    return parse(await this.redis.get(leaseKey(conferenceId)));
  }

  async release(conferenceId: string): Promise<void> {
    const value = this.held.get(conferenceId);
    this.held.delete(conferenceId);
    if (value) await this.redis.eval(RELEASE, 1, leaseKey(conferenceId), value).catch(() => undefined);
  }

  async retire(conferenceId: string): Promise<void> {
    await this.redis.multi().srem(HOSTED, conferenceId).del(setupKey(conferenceId)).exec();
    await this.release(conferenceId);
  }

  async hosted(): Promise<string[]> {
    return this.redis.smembers(HOSTED);
  }

  async saveSetup(conferenceId: string, setup: MediaSetup): Promise<void> {
    await this.redis.set(setupKey(conferenceId), JSON.stringify(setup));
  }

  async nextBroadcast(conferenceId: string): Promise<number> {
    return (await this.redis.incr(`plenary:media:broadcasts:${conferenceId}`)) - 1;
  }

  async setupOf(conferenceId: string): Promise<MediaSetup | undefined> {
    const saved = await this.redis.get(setupKey(conferenceId));
    return saved ? (JSON.parse(saved) as MediaSetup) : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.renewal);
    await Promise.all([...this.held.keys()].map((conferenceId) => this.release(conferenceId)));
    await closeRedis(this.redis);
  }

  private async renew(): Promise<void> {
    for (const [conferenceId, value] of this.held) {
      const renewed = await this.redis.eval(RENEW, 1, leaseKey(conferenceId), value, LEASE_MS).catch(() => undefined);
      if (renewed === 1) {
        this.confirmedAt.set(conferenceId, Date.now());
        continue;
      }
      // Redis away: keep the media (the broadcast must not go dark for a Redis restart); try again next time.
      if (renewed === undefined) continue;
      if (this.held.get(conferenceId) !== value) continue; // released meanwhile
      this.held.delete(conferenceId);
      // The lease lapsed (this process was paused, or Redis lost it): if nobody took it, take it again
      // with a new fencing number; if somebody did, theirs is the media now.
      const owner = await this.claim(conferenceId).catch(() => undefined);
      if (owner?.processId === this.processId) continue;
      this.logger.warn({ conferenceId }, 'the conference media lease went to another process; letting the media go');
      this.emit('lost', conferenceId);
    }
  }
}

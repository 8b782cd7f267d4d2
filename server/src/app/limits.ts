import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import proxyaddr from 'proxy-addr';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { reportRedisTrouble, closeRedis } from '../store/redis-trouble';

/** What a limit says about one more action: allowed, or how long until the next one is. */
export type LimitAnswer = { allowed: true } | { allowed: false; retryAfterMs: number };

/** A budget of actions per key (a client address) in a fixed window. */
export interface Limit {
  take(key: string): Promise<LimitAnswer>;
}

/**
 * Rate limits by client address, held by rate-limiter-flexible: in memory in the
 * embedded mode, in Redis when there is one, so that N server processes enforce
 * one budget together instead of N. While Redis is away each process falls back
 * to a budget of its own (the library's insurance limiter): a Redis outage must
 * not lock venues out, nor open the door.
 */
export class RateLimits {
  private constructor(private readonly redis: Redis | undefined) {}

  static embedded(): RateLimits {
    return new RateLimits(undefined);
  }

  static async connect(url: string, logger: Logger): Promise<RateLimits> {
    // No offline queue: while Redis is away a take falls to the insurance limiter at once instead of waiting.
    const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    reportRedisTrouble(redis, 'rate limits', logger);
    await redis.connect();
    return new RateLimits(redis);
  }

  /** `points` actions per key every `seconds`; `name` keeps limits apart in Redis. */
  limit(name: string, points: number, seconds: number): Limit {
    const insurance = new RateLimiterMemory({ keyPrefix: name, points, duration: seconds });
    const limiter: RateLimiterAbstract = this.redis
      ? new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `plenary:limit:${name}`, points, duration: seconds, insuranceLimiter: insurance })
      : insurance;
    return {
      take: (key) =>
        limiter.consume(key).then(
          (): LimitAnswer => ({ allowed: true }),
          (refusal: unknown): LimitAnswer => {
            if (refusal instanceof RateLimiterRes) return { allowed: false, retryAfterMs: refusal.msBeforeNext };
            throw refusal;
          },
        ),
    };
  }

  async close(): Promise<void> {
    if (this.redis) await closeRedis(this.redis);
  }
}

/**
 * The key a client is limited by: its IPv4 address, or the /64 network of an
 * IPv6 one (a single subscriber gets a whole /64, so counting addresses there
 * would let one home pass for billions of clients).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1] as string;
  if (isIPv4(address) || !isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/**
 * Finds a request's client address: the TCP peer, or the address an edge or
 * load balancer forwarded (X-Forwarded-For) when the peer is a trusted proxy
 * (`TRUST_PROXY`). One function for HTTP and the Socket.io handshake, so both
 * limit the same client the same way.
 */
export function clientAddressOf(trustProxy: string[]): (req: IncomingMessage) => string {
  const trust = proxyaddr.compile(trustProxy);
  return (req) => addressKey(proxyaddr(req as Parameters<typeof proxyaddr>[0], trust));
}

import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Reports a Redis connection's trouble in the logs, once per outage and once when it is back.
 * ioredis emits an error on every reconnection attempt and, with no listener, prints each one
 * to stderr, outside the structured logs. Without a logger (tests) the errors are only absorbed:
 * the callers already answer failed commands with UNAVAILABLE.
 */
export function reportRedisTrouble(redis: Redis, what: string, logger?: Logger): void {
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger?.warn({ err: error, redis: what }, 'Redis connection trouble; reconnecting');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger?.warn({ redis: what }, 'Redis connection back');
  });
}

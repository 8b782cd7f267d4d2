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

/** How long a closing connection waits for Redis to acknowledge its QUIT. */
const QUIT_WAIT_MS = 1000;

/**
 * Closes a Redis connection without waiting on an outage: quit() waits for
 * Redis to answer, and while it is away that meant every reconnection attempt
 * a command is allowed (10 s with ioredis's defaults) before a shutdown went on.
 * A connection that is not up now, or does not answer QUIT within a second, is
 * dropped instead (pending commands fail; their callers answer UNAVAILABLE).
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_WAIT_MS)));
    await Promise.race([redis.quit().catch(() => undefined), waited]);
    clearTimeout(timer);
  }
  redis.disconnect();
}

/**
 * When to try something again, as LiveKit's ReconnectPolicy says it: given how
 * many tries were made and how long since the first, the wait before the next
 * one, or undefined to give up.
 */
export interface RetryPolicy {
  delayBefore(attempt: number, elapsedMs: number): number | undefined;
}

/** Doubling waits from `firstMs` up to `maxMs`; gives up `giveUpAfterMs` after the first try (never, if Infinity). */
export function backoff(firstMs: number, maxMs: number, giveUpAfterMs: number): RetryPolicy {
  return {
    delayBefore(attempt, elapsedMs) {
      if (elapsedMs >= giveUpAfterMs) return undefined;
      return Math.min(maxMs, firstMs * 2 ** Math.max(0, attempt - 1));
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

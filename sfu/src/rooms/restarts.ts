/**
 * Restarts waiting to happen, one per key (a simulated venue whose sender
 * stopped by itself): backing off from 0.5 s to 10 s with the number of
 * restarts that failed in a row. The room owns one and cancels it on close.
 */
export class RestartSchedule {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** Runs `restart` after the backoff for this many failed restarts; replaces one already waiting. */
  schedule(key: string, restarts: number, restart: () => Promise<void>): void {
    this.cancel(key);
    const timer = setTimeout(() => {
      if (this.timers.get(key) !== timer) return;
      this.timers.delete(key);
      void restart();
    }, Math.min(10_000, 500 * 2 ** restarts));
    this.timers.set(key, timer);
  }

  cancel(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  cancelAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

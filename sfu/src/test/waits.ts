import type { ProgramSwitcher } from '../program/switcher';
import type { Cut } from '../program/track';

/**
 * Waits for a condition instead of a fixed time: a test that slept and then
 * assumed something had happened failed on a slow or loaded machine.
 */
export async function until(check: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The next cut of the program to a venue (ask before giving it the floor). */
export function nextCut(switcher: ProgramSwitcher, venueId: string, kind: Cut['kind'] = 'video', timeoutMs = 20_000): Promise<Cut> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      switcher.off('cut', onCut);
      reject(new Error(`no ${kind} cut to ${venueId} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onCut = (cut: Cut) => {
      if (cut.kind !== kind || cut.venueId !== venueId) return;
      clearTimeout(timer);
      switcher.off('cut', onCut);
      resolve(cut);
    };
    switcher.on('cut', onCut);
  });
}

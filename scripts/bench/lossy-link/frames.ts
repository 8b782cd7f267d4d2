import type { PictureMoves } from '../../../server/src/test/browser';

/**
 * How much a pixel's green must change, between two presented frames of a 160x90 copy, to count
 * as moved. Chromium's fake camera turns a green disc and ticks a clock every frame (20 fps); a
 * repeated picture (the ladder's constant frame rate while nothing new arrives) changes by a
 * codec's noise, a few levels.
 */
export const MOVED_LEVELS = 24;

/**
 * Freezes in one period: the stretches longer than `longerThanMs` in which the picture did not
 * move, counted from the period's start to its end (a freeze across its edge counts its part).
 */
export function freezes(start: number, seen: PictureMoves, longerThanMs: number) {
  const edges = [start, ...seen.moves, seen.now];
  const gaps = edges.slice(1).map((at, i) => ({ atSeconds: Math.round(((edges[i] as number) - start) / 100) / 10, ms: Math.round(at - (edges[i] as number)) }));
  const long = gaps.filter((gap) => gap.ms > longerThanMs);
  return {
    count: long.length,
    longestMs: Math.max(0, ...gaps.map((gap) => gap.ms)),
    movesPerSecond: Math.round((seen.moves.length / ((seen.now - start) / 1000)) * 10) / 10,
    /** Each freeze: seconds into the period it began, and how long it lasted. */
    list: long,
  };
}

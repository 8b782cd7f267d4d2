import type { NetworkHealth } from '@plenary/shared';

/** A round trip as the faces show it: whole milliseconds, or a dash until it is measured. */
export function roundTrip(health: NetworkHealth): string {
  return health.roundTripMs === undefined ? '–' : String(Math.round(health.roundTripMs));
}

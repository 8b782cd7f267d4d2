import type { VenueId } from './state';

/**
 * Who sends a command: the presider, a sub-venue's operator, an interpreter (of one
 * interpretation channel: publishes its voice, hears the program, commands nothing),
 * or the server itself (presence).
 */
export type Actor = { role: 'presider' } | { role: 'operator'; venueId: VenueId } | { role: 'interpreter'; channelId: string } | { role: 'system' };

export const PRESIDER: Actor = { role: 'presider' };
export const SYSTEM: Actor = { role: 'system' };

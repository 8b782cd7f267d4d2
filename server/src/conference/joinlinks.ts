import { ErrorCode, PlenaryError, type JoinLink } from '@plenary/shared';
import { DEFAULT_LINK_TTL_SECONDS, type JoinLinks } from '../auth/links';
import type { ConferenceService } from './service';

/** Mints a sub-venue's current join link, as a URL an operator opens. */
export type MintJoinLink = (conferenceId: string, venueId: string, ttlSeconds?: number) => Promise<JoinLink>;

export function joinLinkMinter(links: JoinLinks, conferences: ConferenceService, publicUrl: string): MintJoinLink {
  return async (conferenceId, venueId, ttlSeconds = DEFAULT_LINK_TTL_SECONDS) => {
    const state = await conferences.get(conferenceId);
    if (!state) throw new PlenaryError(ErrorCode.NOT_FOUND, `There is no conference "${conferenceId}"`);
    const venue = state.venues[venueId];
    if (!venue || venue.kind !== 'sub') throw new PlenaryError(ErrorCode.NOT_FOUND, `There is no sub-venue ${venueId} in this conference`);
    const { token, expiresAt } = await links.mint({ conferenceId, venueId, linkVersion: venue.linkVersion }, ttlSeconds);
    return { venueId, url: `${publicUrl}/join/${token}`, expiresAt: expiresAt.toISOString() };
  };
}

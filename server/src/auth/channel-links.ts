import { ErrorCode, PlenaryError, type ChannelLink } from '@plenary/shared';
import type { ConferenceService } from '../conference/service';
import { DEFAULT_LINK_TTL_SECONDS, type JoinLinks } from './links';

export type MintChannelLink = (conferenceId: string, channelId: string, ttlSeconds?: number) => Promise<ChannelLink>;

/** What each kind of channel link is for: the channels it names and the page it opens. */
const KINDS = {
  captioner: { page: 'caption', what: 'captions channel', channels: 'captions', mint: 'mintCaptioner' },
  interpreter: { page: 'interpret', what: 'interpretation channel', channels: 'interpretation', mint: 'mintInterpreter' },
} as const;

/**
 * Mints a channel's link at the channel's current link version: a captioner's
 * (`/caption/<token>`) or an interpreter's (`/interpret/<token>`). NOT_FOUND for
 * a channel the conference does not have.
 */
export function channelLinkMinter(links: JoinLinks, conferences: ConferenceService, publicUrl: string, kind: keyof typeof KINDS): MintChannelLink {
  const { page, what, channels, mint } = KINDS[kind];
  return async (conferenceId, channelId, ttlSeconds = DEFAULT_LINK_TTL_SECONDS) => {
    const state = await conferences.get(conferenceId);
    const channel = state?.[channels]?.[channelId];
    if (!state || !channel) throw new PlenaryError(ErrorCode.NOT_FOUND, `There is no ${what} ${channelId} in this conference`);
    const { token, expiresAt } = await links[mint]({ conferenceId, channelId, linkVersion: channel.linkVersion }, ttlSeconds);
    return { channelId, url: `${publicUrl}/${page}/${token}`, expiresAt: expiresAt.toISOString() };
  };
}

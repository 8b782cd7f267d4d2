import type { Socket } from 'socket.io';
import { ErrorCode, PlenaryError, handshakeAuthSchema, type ConferenceState, type SocketData } from '@plenary/shared';
import { JoinLinks, hostSecretMatches } from '../auth/links';
import type { ConferenceService } from '../conference/service';


/**
 * Checks a socket's handshake: the presider's host secret, an operator's join
 * link (genuine, unexpired, not rotated, venue still there), or an interpreter's
 * link (genuine, unexpired, its channel still there as it was).
 */
export async function authenticate(socket: Socket, conferences: ConferenceService, links: JoinLinks): Promise<SocketData> {
  const parsed = handshakeAuthSchema.safeParse(socket.handshake.auth);
  if (!parsed.success) {
    throw new PlenaryError(ErrorCode.UNAUTHENTICATED, 'Connect with a join link token, or a conference id and host secret');
  }
  const auth = parsed.data;
  if ('token' in auth) {
    const claims = await links.verifySocketLink(auth.token);
    const state = await conferences.get(claims.conferenceId);
    if (claims.kind === 'interpreter') {
      JoinLinks.checkInterpreter(claims, state);
      return { conferenceId: claims.conferenceId, actor: { role: 'interpreter', channelId: claims.channelId }, linkVersion: claims.linkVersion };
    }
    JoinLinks.checkCurrent(claims, state);
    return { conferenceId: claims.conferenceId, actor: { role: 'operator', venueId: claims.venueId }, linkVersion: claims.linkVersion };
  }
  const hash = await conferences.hostSecretHash(auth.conferenceId);
  // The same answer for an unknown conference and a wrong secret: ids are not secret, but say nothing.
  if (!hash || !hostSecretMatches(auth.hostSecret, hash)) {
    throw new PlenaryError(ErrorCode.UNAUTHENTICATED, 'The conference id or host secret is wrong');
  }
  return { conferenceId: auth.conferenceId, actor: { role: 'presider' } };
}

/**
 * Whether a socket that was admitted still stands, against the conference as it
 * is now: the conference exists and, for an operator, its venue does and its
 * link was not replaced (for an interpreter, its channel). Checked on every message and on every recovered
 * session, so a removed venue or a replaced link loses its access at once.
 */
export function checkStanding(data: SocketData, state: ConferenceState | undefined): void {
  if (data.actor.role === 'operator') {
    JoinLinks.checkCurrent({ conferenceId: data.conferenceId, venueId: data.actor.venueId, linkVersion: data.linkVersion ?? -1 }, state);
  } else if (data.actor.role === 'interpreter') {
    JoinLinks.checkInterpreter({ conferenceId: data.conferenceId, channelId: data.actor.channelId, linkVersion: data.linkVersion ?? -1 }, state);
  } else if (!state) {
    throw new PlenaryError(ErrorCode.UNAUTHENTICATED, 'This conference does not exist any more');
  }
}

/** Whether two identities are the same venue of the same conference. */
export function sameIdentity(a: SocketData, b: SocketData): boolean {
  const venue = (data: SocketData) => (data.actor.role === 'operator' ? data.actor.venueId : data.actor.role === 'interpreter' ? data.actor.channelId : data.actor.role);
  return a.conferenceId === b.conferenceId && a.actor.role === b.actor.role && venue(a) === venue(b) && a.linkVersion === b.linkVersion;
}

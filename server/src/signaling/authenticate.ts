import type { Socket } from 'socket.io';
import { ErrorCode, PlenaryError, handshakeAuthSchema, type Actor } from '@plenary/shared';
import { JoinLinks, hostSecretMatches } from '../auth/links';
import type { ConferenceService } from '../conference/service';

/** Who a handshake proves the socket to be. */
export interface Authenticated {
  conferenceId: string;
  actor: Actor;
}

/**
 * Checks a socket's handshake: the presider's host secret, or an operator's
 * join link (genuine, unexpired, not rotated, venue still there).
 */
export async function authenticate(socket: Socket, conferences: ConferenceService, links: JoinLinks): Promise<Authenticated> {
  const parsed = handshakeAuthSchema.safeParse(socket.handshake.auth);
  if (!parsed.success) {
    throw new PlenaryError(ErrorCode.UNAUTHENTICATED, 'Connect with a join link token, or a conference id and host secret');
  }
  const auth = parsed.data;
  if ('token' in auth) {
    const claims = await links.verify(auth.token);
    JoinLinks.checkCurrent(claims, await conferences.get(claims.conferenceId));
    return { conferenceId: claims.conferenceId, actor: { role: 'operator', venueId: claims.venueId } };
  }
  const hash = await conferences.hostSecretHash(auth.conferenceId);
  // The same answer for an unknown conference and a wrong secret: ids are not secret, but say nothing.
  if (!hash || !hostSecretMatches(auth.hostSecret, hash)) {
    throw new PlenaryError(ErrorCode.UNAUTHENTICATED, 'The conference id or host secret is wrong');
  }
  return { conferenceId: auth.conferenceId, actor: { role: 'presider' } };
}

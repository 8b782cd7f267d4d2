import { createHmac } from 'node:crypto';
import type { IceServerInfo } from '@plenary/shared';

/** The TURN server venues may relay through (TURN_URLS, TURN_SECRET, TURN_TTL_SECONDS). */
export interface TurnConfig {
  /** e.g. turn:turn.example.org:3478?transport=udp, turn:...?transport=tcp, turns:turn.example.org:443?transport=tcp */
  urls: string[];
  /** The TURN server's static-auth-secret (coturn: use-auth-secret). */
  secret: string;
  /** How long a credential may open an allocation. */
  ttlSeconds: number;
}

/**
 * Short-lived TURN credentials for one venue, by the TURN REST API's shared
 * secret scheme (what coturn's use-auth-secret checks): the username is the
 * expiry (Unix seconds) and who it is for, the credential the base64 HMAC-SHA1 of
 * the username under the shared secret. Nothing is stored; the TURN server checks
 * the expiry when an allocation is made (one made before it goes on), so every
 * transport and every ICE restart gets fresh ones.
 */
export function turnCredentials(turn: TurnConfig, conferenceId: string, venueId: string, now = Date.now()): IceServerInfo[] {
  const expiry = Math.floor(now / 1000) + turn.ttlSeconds;
  const username = `${expiry}:${conferenceId}.${venueId}`;
  const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
  return [{ urls: turn.urls, username, credential }];
}

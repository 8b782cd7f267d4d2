import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { ErrorCode, PlenaryError, type ConferenceState } from '@plenary/shared';

/** What a join link's token says: this venue of this conference, at this link version. */
export interface JoinClaims {
  conferenceId: string;
  venueId: string;
  linkVersion: number;
}

const ISSUER = 'plenary';
const AUDIENCE = 'plenary-venue';
const unauthenticated = (message: string) => new PlenaryError(ErrorCode.UNAUTHENTICATED, message);

/**
 * Signs and checks sub-venue join links (HS256 JWTs). A link acts only as its
 * own venue, expires, and stops working when the presider rotates it (the link
 * version in the token must match the venue's current one).
 */
export class JoinLinks {
  constructor(private readonly secret: Uint8Array) {}

  async mint(claims: JoinClaims, ttlSeconds: number, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
    const expiresAt = new Date(now + ttlSeconds * 1000);
    const token = await new SignJWT({ conf: claims.conferenceId, lv: claims.linkVersion })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(claims.venueId)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.secret);
    return { token, expiresAt };
  }

  /** The claims of a genuine, unexpired token; UNAUTHENTICATED with a reason a person understands otherwise. */
  async verify(token: string): Promise<JoinClaims> {
    try {
      const { payload } = await jwtVerify(token, this.secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      const { conf, lv, sub } = payload;
      if (typeof conf !== 'string' || typeof lv !== 'number' || typeof sub !== 'string') throw unauthenticated('This join link is not valid');
      return { conferenceId: conf, venueId: sub, linkVersion: lv };
    } catch (error) {
      if (error instanceof PlenaryError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('This join link has expired; ask the presider for a new one');
      throw unauthenticated('This join link is not valid');
    }
  }

  /** Checks the claims against the conference as it is now (venue still there, link not rotated). */
  static checkCurrent(claims: JoinClaims, state: ConferenceState | undefined): void {
    if (!state) throw unauthenticated('The conference of this join link does not exist any more');
    const venue = state.venues[claims.venueId];
    if (!venue || venue.kind !== 'sub') throw unauthenticated('The venue of this join link does not exist any more');
    if (venue.linkVersion !== claims.linkVersion) {
      throw unauthenticated('This join link was replaced by a newer one; ask the presider for the current link');
    }
  }
}

/** A new presider host secret and the hash that is stored in its place. */
export function newHostSecret(): { secret: string; hash: string } {
  const secret = randomBytes(24).toString('base64url');
  return { secret, hash: hashHostSecret(secret) };
}

export function hashHostSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time comparison of a presented host secret with the stored hash. */
export function hostSecretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashHostSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** A week: long enough to send links out before the day of the conference. */
export const DEFAULT_LINK_TTL_SECONDS = 7 * 24 * 3600;

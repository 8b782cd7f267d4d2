import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { ErrorCode, PlenaryError, type CaptionChannel, type ConferenceState } from '@plenary/shared';

/** What a join link's token says: this venue of this conference, at this link version. */
export interface JoinClaims {
  conferenceId: string;
  venueId: string;
  linkVersion: number;
}

const ISSUER = 'plenary';
const AUDIENCE = 'plenary-venue';
/** Captioner and interpreter links are other audiences: one never opens what another does. */
const CAPTIONER_AUDIENCE = 'plenary-captioner';
const INTERPRETER_AUDIENCE = 'plenary-interpreter';
const unauthenticated = (message: string) => new PlenaryError(ErrorCode.UNAUTHENTICATED, message);

/** What a channel's link says (captioner, interpreter): this channel of this conference, at this link version. */
export interface ChannelClaims {
  conferenceId: string;
  channelId: string;
  linkVersion: number;
}
export type CaptionerClaims = ChannelClaims;

/** A link that opens a socket: a sub-venue's join link, or an interpreter's link. */
export type SocketLinkClaims = ({ kind: 'venue' } & JoinClaims) | ({ kind: 'interpreter' } & ChannelClaims);

/**
 * Signs and checks the links people open (HS256 JWTs): sub-venue join links,
 * and captioner links (one captions channel). A link acts only as what it
 * names, expires, and stops working when what it names changes (the link
 * version in the token must match the current one: a rotated venue link, a
 * captions channel removed).
 */
export class JoinLinks {
  constructor(private readonly secret: Uint8Array) {}

  async mint(claims: JoinClaims, ttlSeconds: number, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
    return this.sign(AUDIENCE, claims.venueId, claims.conferenceId, claims.linkVersion, ttlSeconds, now);
  }

  /** The claims of a genuine, unexpired token; UNAUTHENTICATED with a reason a person understands otherwise. */
  async verify(token: string): Promise<JoinClaims> {
    const { conferenceId, subject, linkVersion } = await this.check(token, AUDIENCE, 'join link');
    return { conferenceId, venueId: subject, linkVersion };
  }

  mintCaptioner(claims: CaptionerClaims, ttlSeconds: number, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
    return this.sign(CAPTIONER_AUDIENCE, claims.channelId, claims.conferenceId, claims.linkVersion, ttlSeconds, now);
  }

  async verifyCaptioner(token: string): Promise<CaptionerClaims> {
    const { conferenceId, subject, linkVersion } = await this.check(token, CAPTIONER_AUDIENCE, 'captioner link');
    return { conferenceId, channelId: subject, linkVersion };
  }

  mintInterpreter(claims: ChannelClaims, ttlSeconds: number, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
    return this.sign(INTERPRETER_AUDIENCE, claims.channelId, claims.conferenceId, claims.linkVersion, ttlSeconds, now);
  }

  /** The claims of a genuine link that opens a socket: a join link or an interpreter link. */
  async verifySocketLink(token: string): Promise<SocketLinkClaims> {
    const { conferenceId, subject, linkVersion, audience } = await this.check(token, [AUDIENCE, INTERPRETER_AUDIENCE], 'link');
    return audience === INTERPRETER_AUDIENCE ? { kind: 'interpreter', conferenceId, channelId: subject, linkVersion } : { kind: 'venue', conferenceId, venueId: subject, linkVersion };
  }

  private async sign(audience: string, subject: string, conferenceId: string, linkVersion: number, ttlSeconds: number, now: number) {
    const expiresAt = new Date(now + ttlSeconds * 1000);
    const token = await new SignJWT({ conf: conferenceId, lv: linkVersion })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setSubject(subject)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.secret);
    return { token, expiresAt };
  }

  private async check(token: string, audience: string | string[], what: string): Promise<{ conferenceId: string; subject: string; linkVersion: number; audience: string }> {
    try {
      const { payload } = await jwtVerify(token, this.secret, { issuer: ISSUER, audience, algorithms: ['HS256'] });
      const { conf, lv, sub, aud } = payload;
      if (typeof conf !== 'string' || typeof lv !== 'number' || typeof sub !== 'string' || typeof aud !== 'string') throw unauthenticated(`This ${what} is not valid`);
      return { conferenceId: conf, subject: sub, linkVersion: lv, audience: aud };
    } catch (error) {
      if (error instanceof PlenaryError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated(`This ${what} has expired; ask the presider for a new one`);
      throw unauthenticated(`This ${what} is not valid`);
    }
  }

  /** Checks a captioner link's claims against the conference as it is now (live, channel there, link current). */
  static checkCaptioner(claims: CaptionerClaims, state: ConferenceState | undefined): CaptionChannel {
    if (!state) throw unauthenticated('The conference of this captioner link does not exist any more');
    const channel = state.captions?.[claims.channelId];
    if (!channel || channel.linkVersion !== claims.linkVersion) throw unauthenticated('This captions channel was removed; ask the presider for the current link');
    return channel;
  }

  /** Checks an interpreter link's claims against the conference as it is now (channel there, link current). */
  static checkInterpreter(claims: ChannelClaims, state: ConferenceState | undefined): void {
    if (!state) throw unauthenticated('The conference of this interpreter link does not exist any more');
    const channel = state.interpretation?.[claims.channelId];
    if (!channel || channel.linkVersion !== claims.linkVersion) throw unauthenticated('This interpretation channel was removed; ask the presider for the current link');
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

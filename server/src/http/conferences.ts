import { randomBytes } from 'node:crypto';
import express, { Router } from 'express';
import { z } from 'zod';
import { ErrorCode, PlenaryError, conferenceIdSchema, createConferenceSchema, ok, type ConferenceState, type PublicConference } from '@plenary/shared';
import { requireAdminKey } from '../auth/admin';
import type { MintJoinLink } from '../conference/joinlinks';
import type { ConferenceService } from '../conference/service';
import type { IncomingMessage } from 'node:http';
import { BEACON_SECONDS, type ViewerCounter } from '../audience/viewers';
import type { Limit } from '../app/limits';

const createBodySchema = createConferenceSchema.extend({
  /** How long the join links minted with the conference stay valid. */
  linkTtlHours: z.number().min(1).max(24 * 90).default(24 * 7),
});

/** The body of a link request: how long the new link stays valid. */
export const linkBodySchema = z.object({ ttlSeconds: z.number().int().min(1).max(90 * 24 * 3600).optional() }).strict();

const idParam = conferenceIdSchema;

/** A watch page's announcement: a random id it keeps while open. */
const beaconSchema = z.object({ viewer: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/) }).strict();

/** What anyone may know about a conference: cacheable, no socket needed. */
export function publicView(state: ConferenceState, viewers: { count: number; sample: number }): PublicConference {
  const holder = state.venues[state.floor.holder];
  const item = state.agenda[state.currentItem];
  return {
    id: state.id,
    title: state.title,
    status: state.status,
    venues: state.venueOrder.flatMap((venueId) => {
      const venue = state.venues[venueId];
      return venue ? [{ id: venue.id, name: venue.name, kind: venue.kind }] : [];
    }),
    onAir: holder ? { venueId: holder.id, name: holder.name, since: new Date(state.floor.since).toISOString() } : null,
    agendaItem: item
      ? { index: state.currentItem, title: item.title, startedAt: state.itemStartedAt ? new Date(state.itemStartedAt).toISOString() : null }
      : null,
    viewers: viewers.count,
    viewerBeacon: { sample: viewers.sample, everySeconds: BEACON_SECONDS },
    version: state.version,
  };
}

/** The conference API: admin creation and links, and the public view. */
export function conferencesRouter(deps: {
  conferences: ConferenceService;
  mintJoinLink: MintJoinLink;
  viewers: ViewerCounter;
  adminKey: string;
  publicUrl: string;
  /** Viewer announcements per client address (a few viewers' worth, not an audience). */
  beaconLimit: Limit;
  clientAddress: (req: IncomingMessage) => string;
}): Router {
  const router = Router();
  const admin = requireAdminKey(deps.adminKey);
  const viewersOf = async (id: string) => ({ count: await deps.viewers.count(id), sample: deps.viewers.sample });

  router.post('/conferences', admin, express.json({ limit: '64kb' }), async (req, res) => {
    const parsed = createBodySchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PlenaryError(ErrorCode.INVALID, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
    }
    const { linkTtlHours, ...input } = parsed.data;
    const id = input.id ?? `c-${randomBytes(4).toString('hex')}`;
    const { state, hostSecret } = await deps.conferences.create(id, input);
    const joinLinks = await Promise.all(
      state.venueOrder
        .filter((venueId) => state.venues[venueId]?.kind === 'sub')
        .map(async (venueId) => ({ name: state.venues[venueId]?.name, ...(await deps.mintJoinLink(id, venueId, linkTtlHours * 3600)) })),
    );
    res.status(201).set('Cache-Control', 'no-store').json(
      ok({
        conference: publicView(state, await viewersOf(id)),
        hostSecret,
        hostUrl: `${deps.publicUrl}/host/${id}#key=${hostSecret}`,
        joinLinks,
        watchUrl: `${deps.publicUrl}/watch/${id}`,
      }),
    );
  });

  // A venue's current join link; `ttlSeconds` in the body sets how long it stays valid.
  router.post('/conferences/:id/venues/:venueId/link', admin, express.json({ limit: '1kb' }), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw new PlenaryError(ErrorCode.NOT_FOUND, 'There is no such conference');
    const body = linkBodySchema.safeParse(req.body ?? {});
    if (!body.success) throw new PlenaryError(ErrorCode.INVALID, 'ttlSeconds must be a whole number of seconds, 1 to 7776000');
    res.set('Cache-Control', 'no-store').json(ok(await deps.mintJoinLink(id.data, String(req.params.venueId), body.data.ttlSeconds)));
  });

  router.get('/conferences/:id/public', async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const state = id.success ? await deps.conferences.get(id.data) : undefined;
    if (!state) throw new PlenaryError(ErrorCode.NOT_FOUND, 'There is no such conference');
    // Viewers poll this; a second of caching lets edges and a CDN absorb them.
    res.set('Cache-Control', 'public, max-age=1, stale-while-revalidate=2').json(ok(publicView(state, await viewersOf(state.id))));
  });

  // A watch page says it is still watching (every viewerBeacon.everySeconds).
  router.post('/conferences/:id/viewers', express.json({ limit: '1kb' }), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const state = id.success ? await deps.conferences.get(id.data) : undefined;
    if (!state) throw new PlenaryError(ErrorCode.NOT_FOUND, 'There is no such conference');
    const body = beaconSchema.safeParse(req.body);
    if (!body.success) throw new PlenaryError(ErrorCode.INVALID, 'viewer must be 8 to 64 letters, digits, - or _');
    // One address counts as a few viewers at most, however many fresh ids it makes up.
    const allowed = await deps.beaconLimit.take(deps.clientAddress(req));
    if (!allowed.allowed) {
      res.set('Retry-After', String(Math.ceil(allowed.retryAfterMs / 1000)));
      throw new PlenaryError(ErrorCode.RATE_LIMITED, 'Too many viewer announcements from this address; the count already includes it');
    }
    await deps.viewers.seen(state.id, body.data.viewer);
    res.status(204).set('Cache-Control', 'no-store').end();
  });

  return router;
}

import express, { Router } from 'express';
import { ErrorCode, PlenaryError, captionChannelIdSchema, conferenceIdSchema, interpretationChannelIdSchema, ok } from '@plenary/shared';
import { requireAdminKey } from '../auth/admin';
import type { MintChannelLink } from '../auth/channel-links';
import { linkBodySchema } from './conferences';

/**
 * The admin's side of a channel's link (the presider hands them out in the
 * console too): `POST /conferences/:id/captions/:channelId/link` a captioner's,
 * `POST /conferences/:id/interpretation/:channelId/link` an interpreter's.
 */
export function channelLinksRouter(deps: { captions: MintChannelLink; interpretation: MintChannelLink; adminKey: string }): Router {
  const router = Router();
  const kinds = { captions: captionChannelIdSchema, interpretation: interpretationChannelIdSchema } as const;
  for (const [kind, channelIdSchema] of Object.entries(kinds) as [keyof typeof kinds, typeof captionChannelIdSchema][]) {
    router.post(`/conferences/:id/${kind}/:channelId/link`, requireAdminKey(deps.adminKey), express.json({ limit: '1kb' }), async (req, res) => {
      const id = conferenceIdSchema.safeParse(req.params.id);
      const channelId = channelIdSchema.safeParse(req.params.channelId);
      if (!id.success || !channelId.success) throw new PlenaryError(ErrorCode.NOT_FOUND, `There is no such ${kind} channel`);
      const body = linkBodySchema.safeParse(req.body ?? {});
      if (!body.success) throw new PlenaryError(ErrorCode.INVALID, 'ttlSeconds must be a whole number of seconds, 1 to 7776000');
      res.set('Cache-Control', 'no-store').json(ok(await deps[kind](id.data, channelId.data, body.data.ttlSeconds)));
    });
  }
  return router;
}

import express, { Router } from 'express';
import { ErrorCode, PlenaryError, conferenceIdSchema, interpretationChannelIdSchema, ok } from '@plenary/shared';
import { requireAdminKey } from '../auth/admin';
import type { MintChannelLink } from '../auth/channel-links';
import { linkBodySchema } from './conferences';

/**
 * The admin's side of interpretation: an interpretation channel's interpreter
 * link (the presider hands them out in the console too). The channels
 * themselves are the presider's commands; the interpreter's voice comes over
 * WebRTC, like a venue's.
 */
export function interpretationRouter(deps: { mintInterpreterLink: MintChannelLink; adminKey: string }): Router {
  const router = Router();
  router.post('/conferences/:id/interpretation/:channelId/link', requireAdminKey(deps.adminKey), express.json({ limit: '1kb' }), async (req, res) => {
    const id = conferenceIdSchema.safeParse(req.params.id);
    const channelId = interpretationChannelIdSchema.safeParse(req.params.channelId);
    if (!id.success || !channelId.success) throw new PlenaryError(ErrorCode.NOT_FOUND, 'There is no such interpretation channel');
    const body = linkBodySchema.safeParse(req.body ?? {});
    if (!body.success) throw new PlenaryError(ErrorCode.INVALID, 'ttlSeconds must be a whole number of seconds, 1 to 7776000');
    res.set('Cache-Control', 'no-store').json(ok(await deps.mintInterpreterLink(id.data, channelId.data, body.data.ttlSeconds)));
  });
  return router;
}

import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { ErrorCode, PlenaryError, captionChannelIdSchema, conferenceIdSchema, ok, type CaptionChannel } from '@plenary/shared';
import { isAdminKey } from '../auth/admin';
import { JoinLinks } from '../auth/links';
import type { ConferenceService } from '../conference/service';
import type { MediaHost } from '../media/host';
import { captionTextSchema } from '../media/caption-lines';
import type { Limit } from '../app/limits';

const idParam = conferenceIdSchema;
const lineSchema = z.object({ text: captionTextSchema, channelId: captionChannelIdSchema.optional() }).strict();


const bearerOf = (req: Request) => /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];

/**
 * Live captions from outside: a captioner's page (its link's token) or a speech
 * recognizer (the admin key, naming the channel) posts lines; each is timed to
 * the program (now, less CAPTION_DELAY_MS: a stenographer trails the speaker)
 * and goes to the broadcast's captions channel, wherever its media is hosted.
 * A line for another conference, a channel removed, a link replaced: refused
 * with a stable code, nothing sent.
 */
export function captionsRouter(deps: {
  conferences: ConferenceService;
  links: JoinLinks;
  host: MediaHost;
  adminKey: string;
  delayMs: number;
  /** Lines per channel: a stenographer sends a few a second at most. */
  lineLimit: Limit;
}): Router {
  const router = Router();

  /** Who posts: the captioner of one channel (checked against the conference now), or the admin. */
  const captionerOf = async (req: Request): Promise<{ conferenceId: string; channel: CaptionChannel } | { admin: true }> => {
    const presented = bearerOf(req);
    if (!presented) throw new PlenaryError(ErrorCode.UNAUTHENTICATED, 'This needs a captioner link\'s token or the admin key: Authorization: Bearer <token>');
    if (isAdminKey(deps.adminKey, presented)) return { admin: true };
    const claims = await deps.links.verifyCaptioner(presented);
    const state = await deps.conferences.get(claims.conferenceId);
    const channel = JoinLinks.checkCaptioner(claims, state);
    if (state?.status === 'ended') throw new PlenaryError(ErrorCode.CONFLICT, 'The conference has ended');
    return { conferenceId: claims.conferenceId, channel };
  };

  // The captioner's page asks what its link is for.
  router.get('/captioner', async (req, res) => {
    const who = await captionerOf(req);
    if ('admin' in who) throw new PlenaryError(ErrorCode.INVALID, 'The admin key names no captions channel; this is for a captioner link');
    const state = await deps.conferences.get(who.conferenceId);
    res.set('Cache-Control', 'no-store').json(ok({ conferenceId: who.conferenceId, title: state?.title ?? '', channel: who.channel, delayMs: deps.delayMs }));
  });

  router.post('/conferences/:id/captions', express.json({ limit: '2kb' }), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw new PlenaryError(ErrorCode.NOT_FOUND, 'There is no such conference');
    const who = await captionerOf(req);
    const line = lineSchema.safeParse(req.body);
    if (!line.success) throw new PlenaryError(ErrorCode.INVALID, line.error.issues[0]?.message ?? 'a caption line is { "text": "..." }');
    let channelId: string;
    if ('admin' in who) {
      const state = await deps.conferences.get(id.data);
      if (!state) throw new PlenaryError(ErrorCode.NOT_FOUND, 'There is no such conference');
      if (!line.data.channelId || !state.captions?.[line.data.channelId]) throw new PlenaryError(ErrorCode.NOT_FOUND, 'Name an existing captions channel: "channelId": "cc-<language>"');
      if (state.status === 'ended') throw new PlenaryError(ErrorCode.CONFLICT, 'The conference has ended');
      channelId = line.data.channelId;
    } else {
      // A captioner's link is for one channel of one conference: it never posts for another.
      if (who.conferenceId !== id.data || (line.data.channelId !== undefined && line.data.channelId !== who.channel.id)) {
        throw new PlenaryError(ErrorCode.FORBIDDEN, 'This captioner link is for another conference or channel');
      }
      channelId = who.channel.id;
    }
    const allowed = await deps.lineLimit.take(`${id.data}/${channelId}`);
    if (!allowed.allowed) {
      res.set('Retry-After', String(Math.ceil(allowed.retryAfterMs / 1000)));
      throw new PlenaryError(ErrorCode.RATE_LIMITED, 'Too many caption lines at once; send them as one');
    }
    const at = Date.now() - deps.delayMs;
    await deps.host.caption(id.data, channelId, { at, text: line.data.text });
    res.status(201).set('Cache-Control', 'no-store').json(ok({ channelId, at }));
  });

  return router;
}

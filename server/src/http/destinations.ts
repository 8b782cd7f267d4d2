import express, { Router, type Request } from 'express';
import { z } from 'zod';
import {
  ErrorCode,
  PlenaryError,
  conferenceIdSchema,
  destinationIdSchema,
  destinationUrlSchema,
  destinationsOf,
  ok,
  type ConferenceState,
  type DestinationStatus,
} from '@plenary/shared';
import { requireAdminKey } from '../auth/admin';
import type { ConferenceService } from '../conference/service';
import type { MediaHost } from '../media/host';

const addBodySchema = z.object({ url: destinationUrlSchema }).strict();

/** The admin acts as the presider here, as in the console. */
const PRESIDER = { role: 'presider' } as const;

/**
 * The admin API of restreaming: `POST /conferences/:id/destinations` `{"url": "rtmp://host/app/key"}`
 * adds one, `GET` lists them with their state, `DELETE .../destinations/:destinationId` stops one.
 * Nothing here answers with a whole address: the stream key went in once and stays in the store.
 */
export function destinationsRouter(deps: { conferences: ConferenceService; host: MediaHost; adminKey: string }): Router {
  const router = Router();
  const admin = requireAdminKey(deps.adminKey);

  const conferenceOf = async (req: Request): Promise<ConferenceState> => {
    const id = conferenceIdSchema.safeParse(req.params.id);
    const state = id.success ? await deps.conferences.get(id.data) : undefined;
    if (!state) throw new PlenaryError(ErrorCode.NOT_FOUND, 'There is no such conference');
    return state;
  };

  router.post('/conferences/:id/destinations', admin, express.json({ limit: '4kb' }), async (req, res) => {
    const state = await conferenceOf(req);
    const body = addBodySchema.safeParse(req.body ?? {});
    if (!body.success) throw new PlenaryError(ErrorCode.INVALID, body.error.issues[0]?.message ?? 'The body is {"url": "rtmp://host/app/stream-key"}');
    const answer = await deps.conferences.execute(state.id, PRESIDER, { type: 'addDestination', url: body.data.url });
    if (!answer.ok) throw new PlenaryError(answer.error.code, answer.error.message);
    // Which one it became: the destination stored with this very address.
    const id = (await deps.conferences.destinationSpecs(state.id)).find((spec) => spec.url === body.data.url)?.id;
    const added = id ? (await deps.conferences.get(state.id))?.destinations?.[id] : undefined;
    if (!added) throw new PlenaryError(ErrorCode.CONFLICT, 'The destination was removed again at once');
    res.status(201).set('Cache-Control', 'no-store').json(ok(added));
  });

  router.get('/conferences/:id/destinations', admin, async (req, res) => {
    const state = await conferenceOf(req);
    res.set('Cache-Control', 'no-store').json(ok(await statusesOf(deps.host, state)));
  });

  router.delete('/conferences/:id/destinations/:destinationId', admin, async (req, res) => {
    const state = await conferenceOf(req);
    const destinationId = destinationIdSchema.safeParse(req.params.destinationId);
    if (!destinationId.success) throw new PlenaryError(ErrorCode.NOT_FOUND, 'There is no such destination');
    const answer = await deps.conferences.execute(state.id, PRESIDER, { type: 'removeDestination', destinationId: destinationId.data });
    if (!answer.ok) throw new PlenaryError(answer.error.code, answer.error.message);
    res.set('Cache-Control', 'no-store').json(ok({ removed: destinationId.data }));
  });
  return router;
}

/**
 * Every destination of the conference with its state as the broadcast's owner sees it (asked
 * there, wherever it runs); stopped once the conference has ended.
 */
export async function statusesOf(host: MediaHost, state: ConferenceState): Promise<DestinationStatus[]> {
  const destinations = destinationsOf(state);
  if (destinations.length === 0) return [];
  let live: DestinationStatus[] = [];
  if (state.status === 'live') {
    const answer = await host.call({ conferenceId: state.id, venueId: 'main', role: 'presider', socketId: 'admin-api' }, { name: 'destinations' });
    if (answer.ok) live = answer.data as DestinationStatus[];
  }
  return destinations.map((destination) => {
    const status = live.find((s) => s.id === destination.id);
    return status ?? { id: destination.id, display: destination.display, state: state.status === 'ended' ? 'stopped' : 'connecting', bitrate: 0, retries: 0 };
  });
}

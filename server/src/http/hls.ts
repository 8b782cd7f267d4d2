import { Router, type Response } from 'express';
import { CONFERENCE_ID, ErrorCode } from '@plenary/shared';
import { DvrPlaylists, RecordingDownloads, RecordingShelf, type Hold, type Lookup, type MediaPlane, type RecordedFile } from '@plenary/sfu';
import { sendError } from './errors';
import type { BroadcastWhereabouts } from '../media/whereabouts';

/** How long a blocking playlist or hinted part request may wait: about 3 target durations. */
const BLOCK_LIMIT_MS = 6000;
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Playlists change every part; a second of caching lets an edge collapse the crowd. */
const PLAYLIST_CACHE = 'public, max-age=1';


/** Marks a request one process relayed to another, so that it is never relayed again. */
const RELAYED = 'x-plenary-relayed';

/** Answers a request with the owner's answer to it (status, body and the headers players and edges use); false if the owner did not answer. */
async function relay(path: string, ifNoneMatch: string | undefined, host: string, res: Response, timeoutMs: number): Promise<boolean> {
  try {
    const upstream = await fetch(`${host}${path}`, {
      headers: { [RELAYED]: '1', ...(ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {}) },
      // A blocking reload waits up to BLOCK_LIMIT_MS there.
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    for (const name of ['content-type', 'cache-control', 'etag', 'retry-after']) {
      const value = upstream.headers.get(name);
      if (value) res.set(name, value);
    }
    res.status(upstream.status).send(body);
    return true;
  } catch {
    return false;
  }
}

/** How often a request held while the media moves looks again for the broadcast. */
const MOVING_POLL_MS = 250;

/** A whole non-negative number from a query parameter, or undefined when absent; NaN when malformed. */
function queryNumber(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : Number.NaN;
}

/**
 * The HLS origin (`/hls/:conferenceId/...`), built for an edge tier and a CDN:
 * media objects are immutable and cached for a year, playlists for a second;
 * blocking playlist reloads (`_HLS_msn`, `_HLS_part`) and hinted part requests
 * are held until the part exists (503 after about 3 target durations). What
 * exists is the broadcast's to say (its BroadcastOrigin: found, not yet, not
 * found) or the recording's (RecordingShelf); this file is only HTTP: where
 * the broadcast is, headers, codes. Names are parsed in one place
 * (sfu/src/hls/names.ts), so nothing else is reachable.
 */
export function hlsRouter({
  media,
  archiveDir,
  holding = (wait) => wait,
  whereabouts = { elsewhere: async () => undefined, moving: async () => false, confirmedHere: () => true },
  isLive,
}: {
  media: MediaPlane;
  archiveDir?: string | undefined;
  /** Counts the requests held waiting (metrics); by default they are just awaited. */
  holding?: <T>(wait: Promise<T>) => Promise<T>;
  /** Where each conference's broadcast is, in a deployment of several processes (by default: here). */
  whereabouts?: BroadcastWhereabouts;
  /**
   * Whether a conference is going on (not ended): its recordings are not what its viewers want
   * (a demo started again, a broadcast not started yet), so it answers "not broadcasting yet".
   */
  isLive: (conferenceId: string) => Promise<boolean>;
}): Router {
  const router = Router();

  router.use((_req, res, next) => {
    res.set('Access-Control-Allow-Origin', '*');
    next();
  });

  // Any process answers /hls/ with the one broadcast: when another process hosts the conference's
  // media, the request is relayed there (once: a relayed request is answered with what is here).
  // While the media moves (its owner died and a standby builds it, here or elsewhere) a request
  // is held, as a blocking reload is, until the broadcast answers again: players see a slow
  // answer, not an error they would give up on after a few retries.
  router.use('/:conferenceId', async (req, res, next) => {
    const conferenceId = req.params.conferenceId as string;
    if (req.get(RELAYED) || !CONFERENCE_ID.test(conferenceId)) return next();
    const deadline = Date.now() + BLOCK_LIMIT_MS;
    for (;;) {
      // A broadcast here is served here, unless this process was paused past its lease: then
      // whoever holds the lease now (if Redis says another does) has the one to serve.
      const here = (await media.existingRoom(conferenceId)?.catch(() => undefined))?.broadcast !== undefined;
      if (here && whereabouts.confirmedHere(conferenceId)) return next();
      const host = await whereabouts.elsewhere(conferenceId);
      if (host && (await relay(req.originalUrl, req.get('if-none-match'), host, res, Math.max(1000, deadline - Date.now()) + 4000))) return;
      if (!host && (here || !(await whereabouts.moving(conferenceId)))) return next();
      if (Date.now() > deadline) {
        return sendError(res.set('Cache-Control', 'public, max-age=1'), ErrorCode.UNAVAILABLE, 'The broadcast is moving to another server; try again in a moment');
      }
      await new Promise((resolve) => setTimeout(resolve, MOVING_POLL_MS));
    }
  });

  const shelf = archiveDir === undefined ? undefined : new RecordingShelf(archiveDir);
  const hold: Hold = { limitMs: BLOCK_LIMIT_MS, holding };
  const notProduced = (res: Response, reason = 'Not produced') => sendError(res.set('Cache-Control', 'public, max-age=1'), ErrorCode.NOT_FOUND, reason);

  /** Answers with what the origin found; every other outcome has its stable code. */
  const answer = <T>(res: Response, lookup: Lookup<T>, send: (value: T) => void) => {
    if (lookup.status === 'found') return send(lookup.value);
    if (lookup.status === 'not-found') return notProduced(res, lookup.reason);
    return sendError(res, lookup.status === 'invalid' ? ErrorCode.INVALID : ErrorCode.UNAVAILABLE, lookup.reason);
  };

  /**
   * The recording to serve: the one the broadcast going on writes, or the newest once the
   * conference ended. A conference going on without a broadcast has none to show (an older one
   * on disk is an earlier run's); nor does one the store cannot tell about.
   */
  const recordingOf = async (conferenceId: string, broadcasting: boolean) => {
    if (!CONFERENCE_ID.test(conferenceId)) return undefined;
    return broadcasting || !(await isLive(conferenceId).catch(() => true)) ? shelf?.latest(conferenceId) : undefined;
  };

  // The chapters (one per speech) are the recording's, live or not: written as the floor moves.
  router.get('/:conferenceId/chapters.json', async (req, res) => {
    const conferenceId = req.params.conferenceId as string;
    const broadcasting = CONFERENCE_ID.test(conferenceId) && (await media.existingRoom(conferenceId))?.broadcast !== undefined;
    const recording = await recordingOf(conferenceId, broadcasting);
    if (!recording) return notProduced(res, 'This conference has no recording');
    return sendRecorded(res, recording.file(undefined, 'chapters.json'));
  });

  // An ended conference's recording as files to keep: listed, and made on the first request.
  const downloads = new Map<string, RecordingDownloads>();
  const downloadsOf = async (conferenceId: string) => {
    const recording = await recordingOf(conferenceId, false);
    if (!recording) return undefined;
    let found = downloads.get(recording.dir);
    if (!found) downloads.set(recording.dir, (found = new RecordingDownloads(recording.dir)));
    return found;
  };
  router.get('/:conferenceId/downloads.json', async (req, res) => {
    const files = await (await downloadsOf(req.params.conferenceId as string))?.files();
    if (!files) return notProduced(res, 'Downloads come once the conference has ended and has a recording');
    res.set('Cache-Control', 'public, max-age=10').json({ files });
  });
  router.get('/:conferenceId/downloads/:name', async (req, res) => {
    const { conferenceId, name } = req.params as { conferenceId: string; name: string };
    const path = await (await downloadsOf(conferenceId))?.path(name);
    if (!path) return notProduced(res, 'No such download: the conference has not ended, has no recording, or has no such rendition');
    res.set('Cache-Control', IMMUTABLE).type(name.endsWith('.m4a') ? 'audio/mp4' : 'video/mp4').attachment(`${conferenceId}-${name}`);
    res.sendFile(path, (error) => {
      if (error && !res.headersSent) notProduced(res);
    });
  });

  // Rewinding while live (DVR): the recording the broadcast writes, served from disk under /dvr/
  // (the same names, so the recorded multivariant playlist's relative URIs lead there), its media
  // playlists with delta updates. Once the conference ended it is the recording, as elsewhere.
  const dvrs = new Map<string, { dir: string; playlists: DvrPlaylists }>();
  router.get(['/:conferenceId/dvr/master.m3u8', '/:conferenceId/dvr/:rendition/:file'], async (req, res) => {
    const { conferenceId, rendition, file = 'master.m3u8' } = req.params as { conferenceId: string; rendition?: string; file?: string };
    const broadcasting = CONFERENCE_ID.test(conferenceId) && (await media.existingRoom(conferenceId))?.broadcast !== undefined;
    const recording = await recordingOf(conferenceId, broadcasting);
    if (!recording) return notProduced(res, 'This conference has no recording to rewind');
    if (rendition === undefined || file !== 'index.m3u8') return sendRecorded(res, recording.file(rendition, file));
    // A conference's newest recording is the one to rewind: an older one's reader goes with it.
    let found = dvrs.get(conferenceId);
    if (found?.dir !== recording.dir) {
      found?.playlists.close();
      dvrs.set(conferenceId, (found = { dir: recording.dir, playlists: new DvrPlaylists(recording.dir) }));
    }
    const msn = queryNumber(req.query._HLS_msn);
    if (Number.isNaN(msn)) return sendError(res, ErrorCode.INVALID, '_HLS_msn must be a whole number');
    const request = { skip: req.query._HLS_skip === 'YES' || req.query._HLS_skip === 'v2', ...(msn !== undefined ? { msn } : {}) };
    answer(res, await found.playlists.playlist(rendition, request, hold), (text) =>
      res.set('Cache-Control', PLAYLIST_CACHE).type('application/vnd.apple.mpegurl').send(text),
    );
  });

  // A live broadcast is served from memory; once it ended, the newest recording is served from disk.
  router.get(['/:conferenceId/master.m3u8', '/:conferenceId/:rendition/:file'], async (req, res) => {
    const { conferenceId, rendition, file = 'master.m3u8' } = req.params as { conferenceId: string; rendition?: string; file?: string };
    const origin = CONFERENCE_ID.test(conferenceId) ? (await media.existingRoom(conferenceId))?.broadcast?.origin : undefined;
    if (!origin) {
      const recording = await recordingOf(conferenceId, false);
      if (recording) return sendRecorded(res, recording.file(rendition, file));
      return notProduced(res, 'This conference is not broadcasting');
    }
    if (rendition === undefined) {
      return res.set('Cache-Control', 'public, max-age=60').type('application/vnd.apple.mpegurl').send(origin.multivariant());
    }
    if (file !== 'index.m3u8') {
      // Media objects never change; a captions part may still gain a line that came a moment late.
      const caching = file.endsWith('.vtt') ? PLAYLIST_CACHE : IMMUTABLE;
      return answer(res, await origin.object(rendition, file, hold), ({ bytes, contentType }) => res.set('Cache-Control', caching).type(contentType).send(bytes));
    }
    const msn = queryNumber(req.query._HLS_msn);
    const part = queryNumber(req.query._HLS_part);
    if (Number.isNaN(msn) || Number.isNaN(part) || (part !== undefined && msn === undefined)) {
      return sendError(res, ErrorCode.INVALID, '_HLS_msn and _HLS_part must be whole numbers, and _HLS_part needs _HLS_msn');
    }
    const skip = req.query._HLS_skip === 'YES' || req.query._HLS_skip === 'v2';
    const request = { skip, ...(msn !== undefined ? { msn } : {}), ...(part !== undefined ? { part } : {}) };
    answer(res, await origin.playlist(rendition, request, hold), ({ text, etag }) =>
      res.set({ 'Cache-Control': PLAYLIST_CACHE, ETag: etag }).type('application/vnd.apple.mpegurl').send(text),
    );
  });

  const sendRecorded = (res: Response, file: RecordedFile | undefined) => {
    if (!file) return notProduced(res);
    res.set('Cache-Control', file.playlist ? 'public, max-age=10' : IMMUTABLE).type(file.contentType);
    res.sendFile(file.path, (error) => {
      if (error && !res.headersSent) notProduced(res);
    });
  };

  return router;
}

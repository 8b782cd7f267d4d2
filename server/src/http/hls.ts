import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Router, type Response } from 'express';
import { ErrorCode } from '@plenary/shared';
import { lastPosition, mediaPlaylist, type Broadcast, type MediaPlane } from '@plenary/sfu';
import { sendError } from './errors';
import { PlaylistCache } from './playlists';

/** How long a blocking playlist or hinted part request may wait: about 3 target durations. */
const BLOCK_LIMIT_MS = 6000;
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Playlists change every part; a second of caching lets an edge collapse the crowd. */
const PLAYLIST_CACHE = 'public, max-age=1';

const CONFERENCE = /^[a-z0-9][a-z0-9-]{1,39}$/;
const RENDITION = /^(1080p|720p|480p|360p|240p|audio)$/;
// Media sequence numbers start from the clock (seconds since 1970, ten digits today): see Broadcast.
const FILE = /^(?:init-(\d{1,6})\.mp4|part-(\d{1,12})-(\d{1,3})\.m4s|segment-(\d{1,12})\.m4s)$/;

export interface HlsTiming {
  partSeconds: number;
  segmentSeconds: number;
}

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

/** Where a conference's broadcast is when several server processes share it (see MediaHost). */
export interface BroadcastWhereabouts {
  /** The address of the process hosting the conference's media, when it is another one. */
  elsewhere(conferenceId: string): Promise<string | undefined>;
  /** Whether the conference's media was hosted and is being taken over (a standby builds it). */
  moving(conferenceId: string): Promise<boolean>;
  /** Whether this process's lease on the media was confirmed lately (false after a long pause: fencing). */
  confirmedHere(conferenceId: string): boolean;
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
 * are held until the part exists (503 after about 3 target durations); every
 * name is checked against a strict pattern, so nothing else is reachable. Floor
 * changes appear as EXT-X-DATERANGE (class com.plenary.speaker) with the
 * venue's id and name, starting at the new speaker's first frame.
 */
export function hlsRouter(
  media: MediaPlane,
  timing: HlsTiming,
  venueNames: (conferenceId: string) => Promise<Record<string, string>>,
  archiveDir?: string,
  /** Counts the requests held waiting (metrics); by default they are just awaited. */
  holding: <T>(wait: Promise<T>) => Promise<T> = (wait) => wait,
  /** Where each conference's broadcast is, in a deployment of several processes (by default: here). */
  whereabouts: BroadcastWhereabouts = { elsewhere: async () => undefined, moving: async () => false, confirmedHere: () => true },
): Router {
  const router = Router();
  const playlists = new PlaylistCache();

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
    if (req.get(RELAYED) || !CONFERENCE.test(conferenceId)) return next();
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

  // After the broadcast: the recording on disk, as video on demand (names checked as strictly as live ones).
  // The newest recording of a conference: recordings are folders named by their start time.
  const latestRecording = (conferenceId: string): string | undefined => {
    if (archiveDir === undefined || !CONFERENCE.test(conferenceId)) return undefined;
    const folder = join(archiveDir, conferenceId);
    const names = existsSync(folder) ? readdirSync(folder).filter((name) => existsSync(join(folder, name, 'master.m3u8'))).sort() : [];
    return names.length > 0 ? join(folder, names[names.length - 1] as string) : undefined;
  };
  const archived = async (conferenceId: string) => !(await media.existingRoom(conferenceId))?.broadcast && latestRecording(conferenceId) !== undefined;

  const sendArchived = (res: Response, conferenceId: string, rendition: string | undefined, file: string) => {
    const valid = CONFERENCE.test(conferenceId) && (rendition === undefined ? file === 'master.m3u8' : RENDITION.test(rendition) && (file === 'index.m3u8' || FILE.test(file)));
    const recording = valid ? latestRecording(conferenceId) : undefined;
    if (!recording) return sendError(res, ErrorCode.NOT_FOUND, 'Not produced');
    const path = join(recording, ...(rendition ? [rendition] : []), file);
    const playlist = file.endsWith('.m3u8');
    res.set('Cache-Control', playlist ? 'public, max-age=10' : IMMUTABLE);
    res.type(playlist ? 'application/vnd.apple.mpegurl' : rendition === 'audio' ? 'audio/mp4' : 'video/mp4');
    res.sendFile(path, (error) => {
      if (error && !res.headersSent) sendError(res.set('Cache-Control', 'public, max-age=1'), ErrorCode.NOT_FOUND, 'Not produced');
    });
  };

  const broadcastOf = async (conferenceId: string, res: Response): Promise<Broadcast | undefined> => {
    const broadcast = CONFERENCE.test(conferenceId) ? (await media.existingRoom(conferenceId))?.broadcast : undefined;
    if (!broadcast) sendError(res.set('Cache-Control', 'public, max-age=1'), ErrorCode.NOT_FOUND, 'This conference is not broadcasting');
    return broadcast;
  };

  router.get('/:conferenceId/master.m3u8', async (req, res, next) => {
    if (await archived(req.params.conferenceId)) return next();
    const broadcast = await broadcastOf(req.params.conferenceId, res);
    if (!broadcast) return;
    res.set('Cache-Control', 'public, max-age=60').type('application/vnd.apple.mpegurl').send(broadcast.multivariant());
  });

  router.get('/:conferenceId/:rendition/index.m3u8', async (req, res, next) => {
    if (await archived(req.params.conferenceId)) return next();
    const broadcast = await broadcastOf(req.params.conferenceId, res);
    if (!broadcast) return;
    const rendition = RENDITION.test(req.params.rendition) ? broadcast.renditions.find((r) => r.name === req.params.rendition) : undefined;
    if (!rendition) return sendError(res, ErrorCode.NOT_FOUND, 'No such rendition');
    const msn = queryNumber(req.query._HLS_msn);
    const part = queryNumber(req.query._HLS_part);
    if (Number.isNaN(msn) || Number.isNaN(part) || (part !== undefined && msn === undefined)) {
      return sendError(res, ErrorCode.INVALID, '_HLS_msn and _HLS_part must be whole numbers, and _HLS_part needs _HLS_msn');
    }
    if (msn !== undefined) {
      const live = lastPosition(rendition.hls);
      // A request too far ahead of the live edge is a client error, not something to wait for.
      if (live && msn > live.msn + 2) return sendError(res, ErrorCode.INVALID, '_HLS_msn is too far ahead of the live edge');
      // Without _HLS_part the whole segment must be complete: the next one has started.
      const ready = await holding(part === undefined ? rendition.hls.waitFor(msn + 1, 0, BLOCK_LIMIT_MS) : rendition.hls.waitFor(msn, part, BLOCK_LIMIT_MS));
      if (!ready) return sendError(res, ErrorCode.UNAVAILABLE, 'The requested part did not arrive in time');
    }
    // A broadcast just started (a takeover): its first part is a moment away; wait for it as for any other.
    if (!lastPosition(rendition.hls)) await holding(rendition.hls.waitFor(0, 0, BLOCK_LIMIT_MS));
    const skip = req.query._HLS_skip === 'YES' || req.query._HLS_skip === 'v2';
    const built = await playlists.get(broadcast, rendition.name, skip, async () => {
      const others = broadcast.renditions.filter((r) => r !== rendition).map((r) => ({ uri: `../${r.name}/index.m3u8`, rendition: r.hls }));
      const names = await venueNames(req.params.conferenceId);
      return mediaPlaylist(rendition.hls, {
        partTarget: timing.partSeconds,
        segmentTarget: timing.segmentSeconds,
        others,
        skip,
        dateRanges: broadcast.speakerRanges((venueId) => names[venueId]),
      });
    });
    if (!built) return sendError(res, ErrorCode.UNAVAILABLE, 'The broadcast has not produced anything yet');
    res.set({ 'Cache-Control': PLAYLIST_CACHE, ETag: built.etag }).type('application/vnd.apple.mpegurl').send(built.text);
  });

  router.get('/:conferenceId/:rendition/:file', async (req, res, next) => {
    if (await archived(req.params.conferenceId)) return next();
    const broadcast = await broadcastOf(req.params.conferenceId, res);
    if (!broadcast) return;
    const rendition = RENDITION.test(req.params.rendition) ? broadcast.renditions.find((r) => r.name === req.params.rendition) : undefined;
    const match = FILE.exec(req.params.file);
    if (!rendition || !match) return sendError(res, ErrorCode.NOT_FOUND, 'Not produced');
    const [, initVersion, partMsn, partIndex, segmentMsn] = match;
    const type = rendition.rung ? 'video/mp4' : 'audio/mp4';
    let bytes: Buffer | undefined;
    if (initVersion !== undefined) bytes = rendition.hls.initFor(Number(initVersion));
    else if (segmentMsn !== undefined) {
      const segment = rendition.hls.segmentAt(Number(segmentMsn));
      bytes = segment?.complete ? Buffer.concat(segment.parts.map((p) => p.bytes)) : undefined;
    } else {
      const [msn, index] = [Number(partMsn), Number(partIndex)];
      // The preload hint names the next part before it exists: hold that request until it does.
      const next = rendition.hls.nextPart();
      if (!rendition.hls.part(msn, index) && next?.msn === msn && next.part === index) await holding(rendition.hls.waitFor(msn, index, BLOCK_LIMIT_MS));
      bytes = rendition.hls.part(msn, index)?.bytes;
    }
    if (!bytes) return sendError(res.set('Cache-Control', 'public, max-age=1'), ErrorCode.NOT_FOUND, 'Not produced');
    res.set('Cache-Control', IMMUTABLE).type(type).send(bytes);
  });

  // Reached only when the live handlers passed on: the conference has a recording and no live broadcast.
  router.get('/:conferenceId/master.m3u8', (req, res) => sendArchived(res, req.params.conferenceId, undefined, 'master.m3u8'));
  router.get('/:conferenceId/:rendition/:file', (req, res) => sendArchived(res, req.params.conferenceId, req.params.rendition, req.params.file));

  return router;
}

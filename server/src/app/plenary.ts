import { readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Server } from 'socket.io';
import type { Logger } from 'pino';
import { ErrorCode, rooms } from '@plenary/shared';
import { MediaPlane, parseLadder, type WorkerPool } from '@plenary/sfu';
import { mediaBridge } from '../media/bridge';
import { recoverLostRooms } from '../media/recovery';
import { tellVenuesTheirLayers } from '../media/layer-notices';
import { reconcileChannels, roomsReconciled } from '../media/reconcile';
import { RedisOwnership, SoleOwnership, type MediaOwnership } from '../media/ownership';
import { MediaStandby } from '../media/standby';
import { MediaHost } from '../media/host';
import { broadcastNumberOf, broadcastWhereabouts } from '../media/whereabouts';
import type { Config } from './config';
import { JoinLinks } from '../auth/links';
import { ConferenceService } from '../conference/service';
import { joinLinkMinter } from '../conference/joinlinks';
import { DEMO_CONFERENCE_ID, demoLinks, ensureDemoConference, simulateVenues, type DemoLinks } from '../conference/demo';
import { DemoCaptionFeed } from '../conference/demo-captions';
import { MemoryStore } from '../store/memory';
import { BEACON_SECONDS, MemoryViewerCounter, RedisViewerCounter, type ViewerCounter } from '../audience/viewers';
import { RedisStore } from '../store/redis';
import type { ConferenceStore } from '../store/types';
import { attachControlChannel, venueOf, type PlenaryIo } from '../signaling/channel';
import { eventFanOut, redisAdapter } from '../signaling/fanout';
import { PresenceReaper } from '../signaling/presence-reaper';
import { healthRouter } from '../http/health';
import { selfTestRouter } from '../http/selftest';
import { homeRouter } from '../http/home';
import { facesRouter } from '../http/faces';
import { conferencesRouter } from '../http/conferences';
import { hlsRouter } from '../http/hls';
import { captionsRouter } from '../http/captions';
import { channelLinksRouter } from '../http/channel-links';
import { destinationsRouter } from '../http/destinations';
import { channelLinkMinter } from '../auth/channel-links';
import { errorHandler, sendError } from '../http/errors';
import { securityHeaders } from '../http/hardening';
import { PlenaryMetrics } from './metrics';
import { turnCredentials, type TurnConfig } from '../media/turn';
import { RateLimits, clientAddressOf } from './limits';
import { requireAdminKey } from '../auth/admin';

/** LL-HLS timing: 2 s segments, a 20 s live window (delta updates skip past 12 s); the part length is the config's (BROADCAST_PART_SECONDS). */
/** How long a dropped socket's session is kept for socket.io's connection-state recovery. */
const SESSION_RECOVERY_MS = 2 * 60 * 1000;

export const BROADCAST_TIMING = { segmentSeconds: 2, windowSegments: 10 };

/** A running Plenary: its address, its parts, and the one way to stop it. */
export interface Plenary {
  /** Where the HTTP server listens, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly workers: WorkerPool;
  readonly media: MediaPlane;
  readonly conferences: ConferenceService;
  /** The demo conference's links, when the config asked for it. */
  readonly demo: DemoLinks | undefined;
  /** Tells clients, stops accepting requests, closes connections, workers and the store. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Create (or reuse) the demo conference; `npm start` does, tests mostly do not. */
  demo?: boolean;
}

/**
 * The composition root: builds every component from the config, wires them,
 * and owns them until close().
 */
export async function startPlenary(config: Config, logger: Logger, options: StartOptions = {}): Promise<Plenary> {
  const owned: (() => Promise<void> | void)[] = [];
  const closeOwned = async () => {
    for (const close of owned.reverse()) await close();
  };
  try {
    const store: ConferenceStore = config.redisUrl ? await RedisStore.connect(config.redisUrl, logger) : new MemoryStore();
    owned.push(() => store.close());
    // Per-address limits, one budget for every server process together when they share Redis.
    const limits = config.redisUrl ? await RateLimits.connect(config.redisUrl, logger.child({ component: 'limits' })) : RateLimits.embedded();
    owned.push(() => limits.close());
    const clientAddress = clientAddressOf(config.trustProxy);
    const viewers: ViewerCounter = config.redisUrl ? await RedisViewerCounter.connect(config.redisUrl, config.viewerSample, Date.now, logger) : new MemoryViewerCounter(config.viewerSample);
    owned.push(() => viewers.close());

    // Exactly one process broadcasts and records each conference: the holder of its media lease.
    // Its address is known once it listens (or given as INTERNAL_URL); the others relay /hls/ to it.
    let selfUrl = config.internalUrl ?? '';
    const ownership: MediaOwnership = config.redisUrl
      ? await RedisOwnership.connect(config.redisUrl, () => selfUrl, logger.child({ component: 'media-ownership' }))
      : new SoleOwnership(() => selfUrl);
    owned.push(() => ownership.close());
    const media = await MediaPlane.start({
      broadcastNumber: broadcastNumberOf(ownership, logger),
      numWorkers: config.mediasoupWorkers,
      listenIp: config.host === '0.0.0.0' || config.host === '::' ? '0.0.0.0' : config.host,
      announcedAddress: config.announcedIp,
      rtcBasePort: config.rtcPort,
      logger: logger.child({ component: 'media' }),
      broadcast: config.broadcastLadder.length > 0 ? { rungs: parseLadder(config.broadcastLadder.join(',')), ...BROADCAST_TIMING, partSeconds: config.broadcastPartSeconds, archiveDir: config.archiveDir } : undefined,
    });
    owned.push(() => media.close());
    const workers = media.workers;

    const app = express();
    app.disable('x-powered-by');
    // Prometheus reads who is connected from socket.io when it scrapes (`io` is set just below).
    const metrics = new PlenaryMetrics(media, {
      sockets: () =>
        // Only sockets past the handshake (socket.data is set there) are in the namespace.
        [...io.of('/').sockets.values()].map((socket) => ({ role: socket.data.actor.role, venue: `${socket.data.conferenceId}/${venueOf(socket)}` })),
    });
    app.use(metrics.httpErrors());
    app.use(securityHeaders({ https: config.tls !== undefined || config.publicUrl.startsWith('https://') }));
    // HTTPS of its own (TLS_CERT, TLS_KEY): a browser gives a camera only to a secure page, and a
    // venue on another machine is not on localhost. Read once at start: a new certificate needs a restart.
    const server: HttpServer = config.tls ? createHttpsServer({ cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) }, app) : createServer(app);
    const adapter = config.redisUrl ? redisAdapter(config.redisUrl, logger.child({ component: 'socket.io-adapter' })) : undefined;
    if (adapter) owned.push(adapter.close);
    const io: PlenaryIo = new Server(server, {
      ...(adapter ? { adapter: adapter.adapter } : {}),
      serveClient: false,
      maxHttpBufferSize: 64 * 1024,
      // A venue whose network drops (no TCP close) is noticed within 5 s, not socket.io's default 45 s;
      // a client gets 3 s to answer a ping (2 s proved too tight for a browser on a loaded machine).
      pingInterval: 2000,
      pingTimeout: 3000,
      // A recovered session is an optimisation, never a way around the handshake: see guardSessionRecovery.
      connectionStateRecovery: { maxDisconnectionDuration: SESSION_RECOVERY_MS, skipMiddlewares: false },
    });
    // Closed before the adapter: clients are told the server is going (they reconnect, to this
    // process once restarted or to another one), then connections close and the HTTP server stops.
    let shuttingDown = false;
    owned.push(async () => {
      shuttingDown = true;
      io.local.emit('serverClosing');
      await new Promise((resolve) => setTimeout(resolve, 100));
      server.closeAllConnections();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    });

    // Every room the server makes matches the stored conference from the start (conferences is set just below).
    const stateOf = (conferenceId: string) => conferences.get(conferenceId);
    // Signs join links, and (derived) the relay of media calls between processes.
    const linkSecret = await store.linkSecret();
    const destinationsOf = (conferenceId: string) => conferences.destinationSpecs(conferenceId);
    const roomOf = roomsReconciled(media, stateOf, destinationsOf);
    // The one way to a conference's media: here when this process holds its lease, relayed otherwise.
    const host = new MediaHost({
      media,
      ownership,
      roomOf,
      stateOf,
      destinationsOf,
      secret: linkSecret,
      consumerClosed: (socketId, consumerId) => io.to(socketId).emit('consumerClosed', { consumerId }),
      mediaReset: (conferenceId) => io.to(rooms.conference(conferenceId)).emit('mediaReset'),
      logger: logger.child({ component: 'media-host' }),
    });
    if (config.redisUrl) {
      const standby = new MediaStandby(host, ownership, stateOf, logger.child({ component: 'media-standby' }));
      owned.push(() => standby.close());
      app.use(host.relayRouter());
    }
    const followMedia = mediaBridge(host, logger.child({ component: 'media-bridge' }));
    io.on('conferenceEvents', (events) => followMedia(events));
    const conferences = new ConferenceService(
      store,
      eventFanOut(io, { local: [(events) => metrics.stored(events), followMedia], toOtherProcesses: config.redisUrl !== undefined }),
      logger.child({ component: 'conferences' }),
      Date.now,
      { privateDestinations: config.restreamToPrivate },
    );
    recoverLostRooms(media, host, conferences, io, logger.child({ component: 'media-recovery' }));
    tellVenuesTheirLayers(media, io);
    // A broadcast starts with the conference's interpretation channels (one encoder start, not two).
    media.beforeBroadcast(async (room) => {
      const state = await conferences.get(room.conferenceId);
      if (state) await reconcileChannels(room, state);
    });
    const links = new JoinLinks(linkSecret);
    const mintJoinLink = joinLinkMinter(links, conferences, config.publicUrl);
    const mintCaptionerLink = channelLinkMinter(links, conferences, config.publicUrl, 'captioner');
    const mintInterpreterLink = channelLinkMinter(links, conferences, config.publicUrl, 'interpreter');
    const presence = config.redisUrl ? await PresenceReaper.start(config.redisUrl, io, conferences, logger.child({ component: 'presence' })) : undefined;
    if (presence) owned.push(() => presence.close());
    attachControlChannel(io, { conferences, links, media: host, joinLink: (c, v) => mintJoinLink(c, v), captionerLink: (c, channel) => mintCaptionerLink(c, channel), interpreterLink: (c, channel) => mintInterpreterLink(c, channel), logger: logger.child({ component: 'channel' }), onError: (code) => metrics.socketError(code), presence, isClosing: () => shuttingDown, socketsPerLink: config.socketsPerLink,
      iceServers: config.turn ? (conferenceId, venueId) => turnCredentials(config.turn as TurnConfig, conferenceId, venueId) : undefined,
      // A burst of three seconds' worth at once, then the rate on average.
      joinLimit: limits.limit('join', config.joinRatePerAddress * 3, 3), clientAddress, recoveryMs: SESSION_RECOVERY_MS });

    app.use(healthRouter(media));
    // Prometheus scrapes with the admin key as its bearer token.
    app.get('/metrics', requireAdminKey(config.adminKey), async (_req, res) => {
      res.set('Cache-Control', 'no-store').type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
    app.use('/api/media', selfTestRouter({ workers, adminKey: config.adminKey, logger: logger.child({ component: 'selftest' }) }));
    // A watch page announces itself every BEACON_SECONDS, and only a sample of pages do: an address
    // may announce as many times per period as that many viewers behind it would (at least once).
    const beaconsPerAddress = Math.max(1, Math.ceil(config.viewersPerAddress * config.viewerSample));
    app.use('/api', conferencesRouter({ conferences, mintJoinLink, viewers, adminKey: config.adminKey, publicUrl: config.publicUrl, beaconLimit: limits.limit('beacon', beaconsPerAddress, BEACON_SECONDS), clientAddress }));
    app.use('/api', captionsRouter({ conferences, links, host, adminKey: config.adminKey, delayMs: config.captionDelayMs, lineLimit: limits.limit('captions', 10, 2) }));
    app.use('/api', channelLinksRouter({ captions: mintCaptionerLink, interpretation: mintInterpreterLink, adminKey: config.adminKey }));
    app.use('/api', destinationsRouter({ conferences, host, adminKey: config.adminKey }));
    app.use('/api', (_req, res) => sendError(res, ErrorCode.NOT_FOUND, 'No such API endpoint'));
    app.use('/hls', hlsRouter({
      media,
      archiveDir: config.archiveDir,
      holding: (wait) => metrics.holding(wait),
      whereabouts: broadcastWhereabouts(ownership, media),
      isLive: async (conferenceId) => {
        const state = await conferences.get(conferenceId);
        return state?.status === 'live';
      },
    }));
    app.use('/hls', (_req, res) => sendError(res, ErrorCode.NOT_FOUND, 'Not produced'));
    app.use(homeRouter(config));
    app.use(facesRouter());
    app.use((_req, res) => sendError(res, ErrorCode.NOT_FOUND, 'There is nothing at this address'));
    app.use(errorHandler(logger.child({ component: 'http' })));

    await listen(server, config.port, config.host);
    const { port } = server.address() as AddressInfo;
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const scheme = config.tls ? 'https' : 'http';
    selfUrl ||= `${scheme}://${shownHost}:${port}`;

    // After listening: the demo's media lease names where this process answers.
    let demo: DemoLinks | undefined;
    if (options.demo) {
      await ensureDemoConference(conferences, config.adminKey);
      if (config.demoSimulatedVenues > 0) {
        await simulateVenues(conferences, host, DEMO_CONFERENCE_ID, config.demoSimulatedVenues, { interpreter: true });
        // With simulated venues comes a simulated captioner in two languages (its timer stops before the media).
        const captions = await DemoCaptionFeed.start(conferences, host, DEMO_CONFERENCE_ID, logger.child({ component: 'demo-captions' }));
        owned.push(() => captions.stop());
      }
      demo = await demoLinks(conferences, mintJoinLink, config.adminKey, config.publicUrl);
    }

    // Closed first on the way out: the broadcasts this process hosts end (recordings finished) and
    // their leases go at once, so a standby takes over while this process still closes the rest.
    owned.push(async () => {
      for (const conferenceId of media.conferenceIds()) {
        await media.stopBroadcast(conferenceId);
        await ownership.release(conferenceId);
      }
    });

    let closing: Promise<void> | undefined;
    return {
      url: `${scheme}://${shownHost}:${port}`,
      workers,
      media,
      conferences,
      demo,
      close() {
        closing ??= closeOwned();
        return closing;
      },
    };
  } catch (error) {
    await closeOwned();
    throw error;
  }
}

function listen(server: HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

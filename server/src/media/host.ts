import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import type { Logger } from 'pino';
import { ErrorCode, PlenaryError, fail, ok, type Ack, type ConferenceState } from '@plenary/shared';
import type { ConferenceRoom, Cue, MediaPlane, SimulatedVenueSpec } from '@plenary/sfu';
import { callerSchema, parseMediaCall, runMediaCall, type Caller } from './calls';
import { reconcile, type DestinationsOf, type RoomOf } from './reconcile';
import type { MediaOwner, MediaOwnership } from './ownership';
import { invalid } from '../signaling/reply';
import { relayedCaptionSchema } from './caption-lines';

/** Where the other server processes send the media calls of venues whose sockets reached them. */
export const RELAY_PATH = '/internal/media';
/** Where the other server processes say a socket went, whose transports are here. */
export const SOCKET_GONE_PATH = '/internal/socket-gone';
/** Where the other server processes send caption lines for a broadcast hosted here. */
export const CAPTION_RELAY_PATH = '/internal/captions';
/** A relayed call waits for the owner at most this long (a transport or consumer takes milliseconds). */
const RELAY_TIMEOUT_MS = 10_000;

export interface MediaHostDeps {
  media: MediaPlane;
  ownership: MediaOwnership;
  roomOf: RoomOf;
  stateOf: (conferenceId: string) => Promise<ConferenceState | undefined>;
  /** The restream destinations' whole addresses, for the room that pushes them. */
  destinationsOf?: DestinationsOf;
  /** The secret every server process shares (the store's link secret): relayed calls carry a key made from it. */
  secret: Uint8Array;
  /** Tells a socket (on any process) that a consumer's source went. */
  consumerClosed: (socketId: string, consumerId: string) => void;
  /** Tells every venue of a conference (on any process) to set its media up again: it lives here now. */
  mediaReset: (conferenceId: string) => void;
  logger: Logger;
}

/**
 * The one way this process reaches a conference's media. Exactly one process
 * hosts it (the holder of its media lease): there the room, its switcher,
 * encoder and recording live, and nowhere else. The first process that needs
 * the media claims the lease and builds the room; a venue's media call that
 * reaches any other process is relayed to the owner over HTTP (its INTERNAL_URL),
 * and the owner's WebRTC ports are what the browser connects to. A process that
 * takes over (the owner died or left) builds the media from the stored
 * conference and the saved setup (the simulated cameras) and tells every
 * browser venue to publish to it.
 */
export class MediaHost {
  private readonly building = new Map<string, Promise<ConferenceRoom>>();
  private readonly following = new Map<string, { running: Promise<void>; again: boolean; needsMedia: boolean }>();
  private readonly relayKey: string;

  constructor(private readonly deps: MediaHostDeps) {
    this.relayKey = createHmac('sha256', deps.secret).update('plenary media relay').digest('hex');
    // Another process holds the lease now (this one stalled past it): its media is theirs.
    deps.ownership.on('lost', (conferenceId) => void deps.media.closeRoom(conferenceId));
  }

  /**
   * This process's room for a conference when it hosts the media, taking the
   * lease first if nobody holds it; otherwise the process that does.
   */
  async where(conferenceId: string): Promise<{ room: ConferenceRoom } | { owner: MediaOwner | undefined }> {
    // The common case, every media call of every venue: the room is here and the lease was
    // confirmed within its length (renewed every second), so no round trip to Redis.
    if (this.hosts(conferenceId) && this.deps.ownership.confirmed(conferenceId)) return { room: await this.deps.roomOf(conferenceId) };
    const owner = await this.deps.ownership.claim(conferenceId);
    if (owner?.processId !== this.deps.ownership.processId) return { owner };
    if (this.deps.media.existingRoom(conferenceId)) return { room: await this.deps.roomOf(conferenceId) };
    return { room: await this.build(conferenceId) };
  }

  /** Whether this process hosts the conference's media now: its lease, and its room here. */
  hosts(conferenceId: string): boolean {
    return this.deps.ownership.owns(conferenceId) && this.deps.media.existingRoom(conferenceId) !== undefined;
  }

  /** The room when this process hosts the conference's media (claiming it if free); undefined when another does. */
  async roomHere(conferenceId: string): Promise<ConferenceRoom | undefined> {
    const found = await this.where(conferenceId);
    return 'room' in found ? found.room : undefined;
  }

  /** A venue's media call, run here or at the owner; the answer as the socket gets it. */
  async call(caller: Caller, call: unknown, relayed = false): Promise<Ack<unknown>> {
    const parsed = parseMediaCall(call);
    if (!parsed.success) return invalid(parsed.error);
    const found = await this.where(caller.conferenceId);
    if ('room' in found) {
      const consumerClosed = (consumerId: string) => this.deps.consumerClosed(caller.socketId, consumerId);
      return ok(await runMediaCall(found.room, caller, parsed.data, consumerClosed));
    }
    // Relayed once at most: a process that was the owner a moment ago does not pass the call on again.
    if (relayed || !found.owner?.url) throw new PlenaryError(ErrorCode.UNAVAILABLE, 'The media of this conference is moving to another server; your page sets it up again by itself');
    return this.relay(found.owner.url, caller, parsed.data);
  }

  /**
   * A caption line for a channel of the conference's broadcast, here or at the owner. Never
   * builds the media (a line is no reason to start a broadcast): UNAVAILABLE while nobody hosts it.
   */
  async caption(conferenceId: string, channelId: string, cue: Cue, relayed = false): Promise<void> {
    if (this.hosts(conferenceId)) {
      const added = (await this.deps.media.existingRoom(conferenceId))?.addCue(channelId, cue) ?? 'noBroadcast';
      if (added === 'noBroadcast') throw new PlenaryError(ErrorCode.UNAVAILABLE, 'The conference is not broadcasting yet; captions start with the broadcast');
      if (added === 'noChannel') throw new PlenaryError(ErrorCode.UNAVAILABLE, 'This captions channel is not on the broadcast yet; try again in a moment');
      return;
    }
    const owner = relayed ? undefined : await this.deps.ownership.holder(conferenceId).catch(() => undefined);
    if (!owner?.url || owner.processId === this.deps.ownership.processId) throw new PlenaryError(ErrorCode.UNAVAILABLE, 'The conference is not broadcasting right now; try again in a moment');
    const answer = await this.post(owner.url, CAPTION_RELAY_PATH, { conferenceId, channelId, cue }, conferenceId);
    if (!answer.ok) throw new PlenaryError(answer.error.code, answer.error.message);
  }

  /** A socket disconnected: the transports it set up close, here or at the owner (never builds the media). */
  async socketGone(caller: Caller, relayed = false): Promise<void> {
    if (this.hosts(caller.conferenceId)) {
      await (await this.deps.media.existingRoom(caller.conferenceId))?.venueLeft(caller.venueId, Number.POSITIVE_INFINITY, caller.socketId);
      return;
    }
    const owner = relayed ? undefined : await this.deps.ownership.holder(caller.conferenceId).catch(() => undefined);
    if (!owner?.url || owner.processId === this.deps.ownership.processId) return; // nobody hosts it: nothing to close
    await this.post(owner.url, SOCKET_GONE_PATH, { caller }, caller.conferenceId);
  }

  /** Publishes simulated cameras for venues (the demo) and saves them for whoever hosts the media next. */
  async addSimulatedVenues(conferenceId: string, venues: SimulatedVenueSpec[]): Promise<void> {
    const room = await this.roomHere(conferenceId);
    if (!room) return; // the owner elsewhere published them
    const publishing = new Set(room.simulatedVenues().map((venue) => venue.venueId));
    for (const venue of venues) if (!publishing.has(venue.venueId)) await room.publishSimulated(venue);
    await this.deps.ownership.saveSetup(conferenceId, { simulated: room.simulatedVenues() });
  }

  /** Builds the media again after its room was lost with its worker, with the simulated cameras it had. */
  async rebuild(conferenceId: string, simulated: SimulatedVenueSpec[]): Promise<ConferenceRoom | undefined> {
    await this.deps.ownership.saveSetup(conferenceId, { simulated });
    return this.roomHere(conferenceId);
  }

  /**
   * Makes the media follow the stored conference after an event: the owner
   * reconciles its room; a floor change with nobody hosting the media makes
   * this process host it; an ended conference's room closes and its lease is
   * retired. One run at a time per conference, the latest state winning.
   */
  follow(conferenceId: string, needsMedia: boolean): Promise<void> {
    const current = this.following.get(conferenceId);
    if (current) {
      current.again = true;
      current.needsMedia ||= needsMedia;
      return current.running;
    }
    const entry = { running: Promise.resolve(), again: false, needsMedia };
    entry.running = (async () => {
      try {
        do {
          entry.again = false;
          const needed = entry.needsMedia;
          entry.needsMedia = false;
          await this.followOnce(conferenceId, needed);
        } while (entry.again);
      } finally {
        this.following.delete(conferenceId);
      }
    })();
    this.following.set(conferenceId, entry);
    return entry.running;
  }

  private async followOnce(conferenceId: string, needsMedia: boolean): Promise<void> {
    const hostsIt = this.hosts(conferenceId);
    if (!hostsIt && !needsMedia) return; // the owner follows it
    const readAt = Date.now();
    const state = await this.deps.stateOf(conferenceId);
    if (!state || state.status === 'ended') {
      // The recording is finished before the lease goes: nobody else may start one meanwhile.
      await this.deps.media.closeRoom(conferenceId);
      if (state) await this.deps.ownership.retire(conferenceId);
      return;
    }
    const room = hostsIt ? await this.deps.roomOf(conferenceId) : await this.roomHere(conferenceId);
    if (!room) return;
    await reconcile(room, state, readAt, await this.deps.destinationsOf?.(conferenceId));
    const simulated = room.simulatedVenues();
    const saved = await this.deps.ownership.setupOf(conferenceId);
    if (JSON.stringify(saved?.simulated ?? []) !== JSON.stringify(simulated)) await this.deps.ownership.saveSetup(conferenceId, { simulated });
  }

  /**
   * Builds the conference's media here (once at a time): the room, reconciled
   * with the conference, and the saved simulated cameras. When the media was
   * hosted before (by a process that died or left, or in a room lost with its
   * worker), every browser venue is told to set its media up again, here.
   */
  private build(conferenceId: string): Promise<ConferenceRoom> {
    let building = this.building.get(conferenceId);
    if (!building) {
      building = (async () => {
        const setup = await this.deps.ownership.setupOf(conferenceId);
        const room = await this.deps.roomOf(conferenceId);
        for (const venue of setup?.simulated ?? []) await room.publishSimulated(venue);
        if (setup) {
          this.deps.mediaReset(conferenceId);
          this.deps.logger.warn({ conferenceId, simulated: setup.simulated.length }, 'conference media built here again; venues told to publish here');
        } else {
          await this.deps.ownership.saveSetup(conferenceId, { simulated: [] });
        }
        return room;
      })().finally(() => this.building.delete(conferenceId));
      this.building.set(conferenceId, building);
    }
    return building;
  }

  private relay(ownerUrl: string, caller: Caller, call: unknown): Promise<Ack<unknown>> {
    return this.post(ownerUrl, RELAY_PATH, { caller, call }, caller.conferenceId);
  }

  /** A call to the owner's internal routes, with the key only the server processes hold. */
  private async post(ownerUrl: string, path: string, body: unknown, conferenceId: string): Promise<Ack<unknown>> {
    let response: Response;
    try {
      response = await fetch(`${ownerUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.relayKey}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(RELAY_TIMEOUT_MS),
      });
    } catch (error) {
      this.deps.logger.warn({ err: error, conferenceId, owner: ownerUrl }, 'the server hosting the conference media did not answer a relayed call');
      throw new PlenaryError(ErrorCode.UNAVAILABLE, 'The server hosting this conference\'s media did not answer; your page tries again by itself');
    }
    if (!response.ok) throw new PlenaryError(ErrorCode.UNAVAILABLE, 'The server hosting this conference\'s media refused the call; your page tries again by itself');
    return (await response.json()) as Ack<unknown>;
  }

  /** The owner's side of the relay: only the other server processes (holding the shared key) reach it. */
  relayRouter(): Router {
    const router = Router();
    const expected = Buffer.from(`Bearer ${this.relayKey}`);
    // Only the other server processes (holding the shared key) reach these.
    router.use([RELAY_PATH, CAPTION_RELAY_PATH, SOCKET_GONE_PATH], (req, res, next) => {
      const presented = Buffer.from(req.get('authorization') ?? '');
      if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
        res.status(401).json(fail(new PlenaryError(ErrorCode.UNAUTHENTICATED, 'Only the other Plenary server processes may relay media calls')));
        return;
      }
      next();
    });
    router.post(SOCKET_GONE_PATH, express.json({ limit: '4kb' }), (req, res) => {
      const caller = callerSchema.safeParse((req.body as { caller?: unknown } | undefined)?.caller);
      if (!caller.success) {
        res.status(400).json(invalid(caller.error));
        return;
      }
      this.socketGone(caller.data, true).then(() => res.json(ok({})), (error: unknown) => res.json(fail(error)));
    });
    router.post(CAPTION_RELAY_PATH, express.json({ limit: '4kb' }), (req, res) => {
      const relayed = relayedCaptionSchema.safeParse(req.body);
      if (!relayed.success) {
        res.status(400).json(invalid(relayed.error));
        return;
      }
      const { conferenceId, channelId, cue } = relayed.data;
      this.caption(conferenceId, channelId, cue, true).then(() => res.json(ok({})), (error: unknown) => res.json(fail(error)));
    });
    router.post(RELAY_PATH, express.json({ limit: '64kb' }), (req, res) => {
      const caller = callerSchema.safeParse((req.body as { caller?: unknown } | undefined)?.caller);
      if (!caller.success) {
        res.status(400).json(invalid(caller.error));
        return;
      }
      this.call(caller.data, (req.body as { call?: unknown }).call, true).then(
        (answer) => res.json(answer),
        (error: unknown) => {
          if (!(error instanceof PlenaryError)) this.deps.logger.error({ err: error }, 'a relayed media call failed');
          res.json(fail(error));
        },
      );
    });
    return router;
  }
}

import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { ErrorCode, PlenaryError, isInterpretationChannelId, type VenueMediaStats } from '@plenary/shared';
import { ProgramSwitcher } from '../program/switcher';
import type { LinkCounts } from '../program/layers';
import { ProgramSlate } from '../program/slate';
import { InterpretationFeeds, type InterpretationChannelInfo } from '../program/interpretation';
import { SimulatedVenue, type Rgb } from '../simulated/venue';
import { SimulatedVoice } from '../simulated/voice';
import type { MediaWorker, WorkerPool } from '../workers/pool';
import { RouterSet } from './routers';
import { Broadcast, type BroadcastOptions } from '../egress/broadcast';
import { RestartSchedule } from './restarts';
import { Restreams } from '../egress/restreams';
import type { ConsumeTarget, ConsumerInfo, SimulatedVenueSpec, TransportInfo } from './media-types';
import { MicrophoneMutes, healthOf, type VenueMedia } from './venue-media';
import { MixMinus } from './mix-minus';

export type { ConsumeTarget, ConsumerInfo, SimulatedVenueSpec, TransportInfo } from './media-types';

interface RoomEvents {
  /** The router died with its worker: every transport is gone; the room must be built again. */
  lost: [simulated: SimulatedVenueSpec[]];
  /** A venue worker died: these venues' browsers must set their media up again (the program went on). */
  venuesLost: [venueIds: string[]];
}

const notFound = (what: string) => new PlenaryError(ErrorCode.NOT_FOUND, what);

/**
 * The media of one conference on one router: every venue's WebRTC transports,
 * producers and consumers, simulated venues, and the program switcher. A venue
 * only ever touches its own transports. Closing a venue closes its transports,
 * hence its producers, and the program falls back if it was on air.
 */
export class ConferenceRoom extends EventEmitter<RoomEvents> {
  private readonly venues = new Map<string, VenueMedia>();
  private readonly pending = new Map<string, Promise<VenueMedia>>();
  /** Who muted each venue; kept while a venue is away. */
  private readonly mutes = new MicrophoneMutes();
  /** The venue on air never hears its own microphone back. */
  private readonly mixMinus = new MixMinus();
  /** A simulated venue that stopped by itself is started again: the pending restarts. */
  private readonly simulatedRestarts = new RestartSchedule();
  private closed = false;
  /** The live broadcast of the program, once started. */
  broadcast: Broadcast | undefined;
  /** What the program shows while no venue's picture is there (the encoder must never starve). */
  readonly slate: ProgramSlate;
  /** Where the broadcast is pushed besides our own origin (other platforms' RTMP / SRT ingest). */
  readonly restreams: Restreams;

  private constructor(
    readonly conferenceId: string,
    readonly routers: RouterSet,
    readonly switcher: ProgramSwitcher,
    /** The interpretation channels' feeds: an interpreter's producer goes there, not to the program. */
    readonly interpretation: InterpretationFeeds,
    private readonly logger: Logger,
  ) {
    super();
    this.slate = new ProgramSlate(routers.primary.router, switcher, logger);
    this.restreams = new Restreams(logger);
    routers.once('lost', () => {
      if (this.closed) return;
      // Not closed by us: a worker died. Stop what this room owns outside mediasoup.
      this.closed = true;
      this.simulatedRestarts.cancelAll();
      const simulated = this.simulatedVenues();
      void this.restreams.close();
      const encoderGone = this.broadcast?.close({ abrupt: true });
      void this.slate.close();
      this.switcher.close();
      this.interpretation.close();
      for (const venue of this.venues.values()) void venue.simulated?.venue.close();
      this.venues.clear();
      this.logger.error({ conferenceId }, 'the conference lost a router with its worker');
      // Told once the old encoder is gone: the rebuilt room's never runs beside it.
      void Promise.resolve(encoderGone)
        .catch(() => undefined)
        .then(() => this.emit('lost', simulated));
    });
    routers.on('edgeLost', (venueIds) => void this.venuesLost(venueIds));
  }

  /**
   * A venue worker died under these venues: their media is gone, the program and the broadcast
   * are not (it falls back until they publish again). Simulated venues publish again on a live
   * worker; browsers are told (venuesLost) to set their media up again.
   */
  private async venuesLost(venueIds: string[]): Promise<void> {
    if (this.closed) return;
    const simulated: SimulatedVenueSpec[] = [];
    const browsers: string[] = [];
    for (const venueId of venueIds) {
      const venue = this.venues.get(venueId);
      if (!venue) continue;
      this.venues.delete(venueId);
      const stand = venue.simulated;
      venue.simulated = undefined; // its sender stopping now is not a reason to restart it
      if (stand) {
        simulated.push(stand.spec);
        void stand.venue.close();
      } else browsers.push(venueId);
    }
    this.logger.error({ venues: venueIds }, 'a venue worker died; its venues publish again, the program goes on');
    if (browsers.length > 0) this.emit('venuesLost', browsers);
    // The dead worker's slot is refilled within about a second; a live one is picked meanwhile.
    for (const spec of simulated) {
      await this.publishSimulated(spec).catch((error: unknown) => {
        this.logger.error({ err: error, venueId: spec.venueId }, 'could not publish the simulated venue again');
        this.restartSimulatedLater(spec, 1);
      });
    }
  }

  static async create(pool: WorkerPool, conferenceId: string, options: { fallbackVenueId: string; logger: Logger }): Promise<ConferenceRoom> {
    const routers = await RouterSet.create(pool, conferenceId);
    try {
      const switcher = await ProgramSwitcher.create(routers.primary.router, { fallbackVenueId: options.fallbackVenueId, logger: options.logger });
      const interpretation = await InterpretationFeeds.create(routers.primary.router, options.logger);
      return new ConferenceRoom(conferenceId, routers, switcher, interpretation, options.logger);
    } catch (error) {
      await routers.close();
      throw error;
    }
  }

  /** The router of the program switcher. */
  get router(): types.Router {
    return this.routers.primary.router;
  }

  /** The worker of the program switcher. */
  get worker(): MediaWorker {
    return this.routers.primary.worker;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  /** A venue's media, placed on a worker's router the first time it is needed. */
  private venue(venueId: string): Promise<VenueMedia> {
    const existing = this.venues.get(venueId);
    if (existing) return Promise.resolve(existing);
    let pending = this.pending.get(venueId);
    if (!pending) {
      pending = this.routers.edgeFor(venueId).then((edge) => {
        const venue: VenueMedia = { edge, transports: new Map(), producers: new Map(), consumers: new Map(), simulated: undefined };
        this.venues.set(venueId, venue);
        this.pending.delete(venueId);
        return venue;
      });
      pending.catch(() => this.pending.delete(venueId));
      this.pending.set(venueId, pending);
    }
    return pending;
  }

  private transportOf(venueId: string, transportId: string): types.WebRtcTransport {
    const transport = this.venues.get(venueId)?.transports.get(transportId);
    if (!transport) throw notFound('No such transport for this venue');
    return transport;
  }

  /** A WebRTC transport for a venue, on its worker's single-port WebRtcServer. */
  async createWebRtcTransport(venueId: string, socketId?: string): Promise<TransportInfo> {
    this.assertOpen();
    const venue = await this.venue(venueId);
    if (venue.transports.size >= 4) throw new PlenaryError(ErrorCode.CONFLICT, 'This venue already has its transports; close one first');
    const transport = await venue.edge.router.createWebRtcTransport({
      webRtcServer: venue.edge.worker.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
      appData: { venueId, socketId, createdAt: Date.now() },
    });
    venue.transports.set(transport.id, transport);
    transport.observer.on('close', () => venue.transports.delete(transport.id));
    return { id: transport.id, iceParameters: transport.iceParameters, iceCandidates: transport.iceCandidates, dtlsParameters: transport.dtlsParameters };
  }

  async connectTransport(venueId: string, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.transportOf(venueId, transportId).connect({ dtlsParameters });
  }

  /** A venue publishes its camera or microphone; it becomes a program source at once. */
  async produce(venueId: string, transportId: string, kind: types.MediaKind, rtpParameters: types.RtpParameters): Promise<string> {
    const transport = this.transportOf(venueId, transportId);
    if (isInterpretationChannelId(venueId) && (kind !== 'audio' || !this.interpretation.producerOf(venueId))) {
      throw kind === 'audio' ? notFound('There is no such interpretation channel') : new PlenaryError(ErrorCode.FORBIDDEN, 'An interpreter publishes its voice only');
    }
    const venue = await this.venue(venueId);
    venue.producers.get(kind)?.close();
    const producer = await transport.produce({ kind, rtpParameters, appData: { venueId } });
    await this.trackProducer(venueId, venue, producer);
    return producer.id;
  }

  /**
   * Creates a paused consumer of the program or of a venue, for a venue's receiving transport.
   * `onSourceClosed` is told when the producer goes (the consumer closes with it).
   */
  async consume(venueId: string, transportId: string, target: ConsumeTarget, rtpCapabilities: types.RtpCapabilities, onSourceClosed?: (consumerId: string) => void): Promise<ConsumerInfo> {
    const transport = this.transportOf(venueId, transportId);
    const venue = await this.venue(venueId);
    // The producer where it lives: the program on the primary router, a venue's camera on that venue's router.
    const source =
      'program' in target
        ? { producer: target.program === 'video' ? this.switcher.videoProducer : this.switcher.audioProducer, router: this.router }
        : 'interpretation' in target
          ? { producer: this.interpretation.producerOf(target.interpretation), router: this.router }
          : { producer: this.producerOf(target.venueId, target.kind), router: this.venues.get(target.venueId)?.edge.router };
    if (!source.producer || !source.router) throw notFound('That venue is not publishing this kind of media');
    const producer = await this.routers.bring(source.producer, source.router, venue.edge.router);
    if (!venue.edge.router.canConsume({ producerId: producer.id, rtpCapabilities })) {
      throw new PlenaryError(ErrorCode.CONFLICT, 'This browser cannot receive the codec in use');
    }
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities, paused: true });
    venue.consumers.set(consumer.id, consumer);
    consumer.observer.on('close', () => venue.consumers.delete(consumer.id));
    if ('program' in target && target.program === 'audio') this.mixMinus.add(venueId, consumer);
    consumer.on('producerclose', () => onSourceClosed?.(consumer.id));
    return { id: consumer.id, producerId: producer.id, kind: consumer.kind, rtpParameters: consumer.rtpParameters };
  }

  /** A venue's camera or microphone producer, if it publishes one. */
  producerOf(venueId: string, kind: types.MediaKind): types.Producer | undefined {
    return this.venues.get(venueId)?.producers.get(kind);
  }

  /** Resumes a venue's consumer once its browser is ready; `layer` picks a simulcast layer (thumbnails take 0). */
  async resumeConsumer(venueId: string, consumerId: string, layer?: number): Promise<void> {
    const consumer = this.venues.get(venueId)?.consumers.get(consumerId);
    if (!consumer) throw notFound('No such consumer for this venue');
    if (layer !== undefined && consumer.type === 'simulcast') await consumer.setPreferredLayers({ spatialLayer: layer });
    if (this.mixMinus.has(consumerId)) return this.mixMinus.resume(consumerId);
    await consumer.resume();
  }

  /**
   * The presider (or the venue itself) muted or unmuted a venue: its microphone
   * is paused at the SFU, so nobody hears it and the program's floor track
   * carries silence, whatever the venue's browser does.
   */
  async setMuted(venueId: string, by: 'presider' | 'self', muted: boolean): Promise<void> {
    this.mutes.set(venueId, by, muted);
    await this.mutes.apply(venueId, this.producerOf(venueId, 'audio'));
  }

  isMuted(venueId: string): boolean {
    return this.mutes.isMuted(venueId);
  }

  /** The venue no longer shows this stream (a tile closed): the consumer goes. */
  closeConsumer(venueId: string, consumerId: string): void {
    const consumer = this.venues.get(venueId)?.consumers.get(consumerId);
    if (!consumer) throw notFound('No such consumer for this venue');
    consumer.close();
  }

  /** The browser's network changed: new ICE credentials, same transport, media keeps its state. */
  async restartIce(venueId: string, transportId: string): Promise<unknown> {
    return this.transportOf(venueId, transportId).restartIce();
  }

  /** A simulated venue (coloured picture, name, clock, tone) publishing into this room. */
  addSimulatedVenue(venueId: string, name: string, colour: Rgb, restarts = 0): Promise<void> {
    return this.publishSimulated({ venueId, name, colour }, restarts);
  }

  /**
   * A simulated venue, or for an interpretation channel's id a simulated interpreter (a tone of
   * its own, its voice only), publishing into this room; started again if its sender stops.
   */
  async publishSimulated(spec: SimulatedVenueSpec, restarts = 0): Promise<void> {
    this.assertOpen();
    const { venueId, name, colour } = spec;
    this.simulatedRestarts.cancel(venueId);
    const venue = await this.venue(venueId);
    await venue.simulated?.venue.close();
    const startedAt = Date.now();
    const onStopped = () => {
      if (this.closed || venue.simulated?.venue !== simulated) return;
      // A sender that ran a while starts again at once; one that keeps failing backs off up to 10 s.
      const again = Date.now() - startedAt > 30_000 ? 0 : restarts + 1;
      this.restartSimulatedLater(spec, again);
    };
    const router = venue.edge.router;
    const simulated = isInterpretationChannelId(venueId)
      ? await SimulatedVoice.start({ router, toneHz: spec.toneHz ?? 660, logger: this.logger, onStopped })
      : await SimulatedVenue.start({ router, name, colour, ...(spec.toneHz ? { toneHz: spec.toneHz } : {}), logger: this.logger, onStopped });
    // Closed, or the venue gone, meanwhile: not needed. Another call's sender started meanwhile
    // (a venue's browser left on two paths at once): this one replaces it; none is left running.
    // The check and the hand-over are one step (no await between them): a close() or another
    // call coming meanwhile finds this sender in its place and stops it, never an orphan.
    if (this.closed || this.venues.get(venueId) !== venue) return void (await simulated.close());
    const previous = venue.simulated?.venue;
    venue.simulated = { venue: simulated, spec };
    if (previous !== simulated) await previous?.close();
    for (const producer of simulated.producers) await this.trackProducer(venueId, venue, producer);
  }

  private restartSimulatedLater(spec: SimulatedVenueSpec, restarts: number): void {
    this.simulatedRestarts.schedule(spec.venueId, restarts, async () => {
      if (this.closed || !this.venues.has(spec.venueId)) return; // the venue left meanwhile
      try {
        await this.publishSimulated(spec, restarts);
        this.logger.warn({ venueId: spec.venueId, restarts }, 'simulated venue started again');
      } catch (error) {
        if (this.closed) return;
        this.logger.error({ err: error, venueId: spec.venueId }, 'could not start the simulated venue again');
        this.restartSimulatedLater(spec, restarts + 1);
      }
    });
  }

  /** The process id of a simulated venue's sender (tests kill it to see it started again). */
  simulatedSenderPid(venueId: string): number | undefined {
    return this.venues.get(venueId)?.simulated?.venue.pid;
  }

  /** The venues with media here (a browser's, a simulated camera, or both). */
  venueIds(): string[] {
    return [...this.venues.keys()];
  }

  /** The simulated venues publishing here. */
  simulatedVenues(): SimulatedVenueSpec[] {
    return [...this.venues.values()].flatMap((venue) => (venue.simulated ? [venue.simulated.spec] : []));
  }

  /** Starts encoding the program as an LL-HLS ladder (once). */
  async startBroadcast(options: BroadcastOptions): Promise<Broadcast> {
    this.assertOpen();
    this.broadcast ??= await Broadcast.start(this.router, this.switcher, options, this.interpretation);
    this.restreams.follow(this.broadcast);
    return this.broadcast;
  }

  /** Ends the broadcast of this room (its recording is finished); the room's venues go on. */
  async stopBroadcast(): Promise<void> {
    const broadcast = this.broadcast;
    this.broadcast = undefined;
    this.restreams.follow(undefined);
    await broadcast?.close();
  }

  /** The interpretation channels as the conference has them (the broadcast follows). */
  setInterpretationChannels(channels: readonly InterpretationChannelInfo[]): Promise<void> {
    return this.interpretation.setChannels(channels);
  }

  /** Follows the floor: the program shows and carries the new holder, whom every other room hears. */
  setOnAir(venueId: string): Promise<void> {
    return this.mixMinus.setOnAir(venueId, () => this.switcher.setOnAir(venueId));
  }

  /**
   * Every connection of the venue's operator closed: the browser's transports (and so its
   * camera, microphone and consumers) go. A simulated venue stands in for a camera, not for
   * the operator, so it stays; if the browser's camera had replaced it, it publishes again.
   * Only transports made before `since` go: the server knew the venue gone as of then, and a
   * browser that came back meanwhile keeps what it set up since. With `socketId`, only what
   * that socket set up (it disconnected; the venue's other sockets stay).
   */
  async venueLeft(venueId: string, since = Number.POSITIVE_INFINITY, socketId?: string): Promise<void> {
    const venue = this.venues.get(venueId);
    if (!venue) return;
    const stale = [...venue.transports.values()].filter((t) => ((t.appData.createdAt as number | undefined) ?? 0) < since && (socketId === undefined || t.appData.socketId === socketId));
    if (stale.length === venue.transports.size && !venue.simulated) return this.closeVenue(venueId);
    for (const transport of stale) transport.close();
    if (!venue.simulated || venue.transports.size > 0) return;
    // The stand-in still publishes (the browser had not replaced it): nothing to do.
    if (venue.simulated.venue.producers.every((p) => !p.closed && venue.producers.get(p.kind) === p)) return;
    const { spec } = venue.simulated;
    await this.publishSimulated(spec);
  }

  /** The venue is gone (removed, or left without a stand-in): transports, producers, consumers close; a simulated venue stops. */
  async closeVenue(venueId: string): Promise<void> {
    const venue = this.venues.get(venueId);
    this.simulatedRestarts.cancel(venueId);
    if (!venue) return;
    this.venues.delete(venueId);
    for (const transport of venue.transports.values()) transport.close();
    await venue.simulated?.venue.close();
    this.switcher.removeVenue(venueId);
  }

  /** Media health of every venue's producers. */
  async stats(): Promise<VenueMediaStats[]> {
    return healthOf(this.venues);
  }

  /** Closes every venue, the switcher and the router. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.simulatedRestarts.cancelAll();
    await this.restreams.close();
    await Promise.all([...this.venues.keys()].map((venueId) => this.closeVenue(venueId)));
    await this.broadcast?.close();
    this.broadcast = undefined;
    await this.slate.close();
    this.switcher.close();
    this.interpretation.close();
    await this.routers.close();
  }

  /** Keeps a venue's producer, and makes it a program source (brought to the primary router if need be). */
  private async trackProducer(venueId: string, venue: VenueMedia, producer: types.Producer): Promise<void> {
    venue.producers.set(producer.kind, producer);
    producer.observer.on('close', () => {
      if (venue.producers.get(producer.kind) === producer) venue.producers.delete(producer.kind);
    });
    if (producer.kind === 'audio') await this.mutes.apply(venueId, producer);
    try {
      const onPrimary = await this.routers.bring(producer, venue.edge.router, this.router);
      // An interpreter (its channel's id for a venue id) is heard on its channel, never in the program.
      if (isInterpretationChannelId(venueId)) await this.interpretation.setInterpreter(venueId, onPrimary);
      else await this.switcher.addSource(venueId, onPrimary, linkCountsOf(producer));
    } catch (error) {
      this.logger.error({ err: error, venueId }, 'could not add a program source');
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new PlenaryError(ErrorCode.UNAVAILABLE, 'The media of this conference is closed');
  }
}

/** A venue's producer as its link delivers it to the SFU: packets received and lost so far, all its streams. */
function linkCountsOf(producer: types.Producer): LinkCounts {
  return async () => {
    if (producer.closed) return undefined;
    const streams = await producer.getStats();
    return { packets: streams.reduce((sum, s) => sum + s.packetCount, 0), lost: streams.reduce((sum, s) => sum + s.packetsLost, 0) };
  };
}

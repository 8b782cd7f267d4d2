import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { ErrorCode, PlenaryError, isInterpretationChannelId, type VenueMediaStats } from '@plenary/shared';
import { ProgramSwitcher } from '../program/switcher';
import { linkCountsOf } from '../program/layers';
import { ProgramSlate } from '../program/slate';
import { InterpretationFeeds, type InterpretationChannelInfo } from '../program/interpretation';
import type { Rgb } from '../simulated/venue';
import type { MediaWorker, WorkerPool } from '../workers/pool';
import { RouterSet } from './routers';
import type { BroadcastOptions } from '../egress/broadcast';
import type { DestinationSpec } from '../egress/restream';
import type { CaptionTrackInfo, Cue } from '../hls/captions';
import type { Cut } from '../program/track';
import { ProgramOutlets, type BroadcastView } from './program-outlets';
import { SimulatedSources } from './simulated-sources';
import type { ConsumeTarget, ConsumerInfo, SimulatedVenueSpec, TransportInfo } from './media-types';
import { MicrophoneMutes, VenueMediaSet, type VenueMedia } from './venue-media';
import { MixMinus } from './mix-minus';

export type { ConsumeTarget, ConsumerInfo, SimulatedVenueSpec, TransportInfo } from './media-types';

interface RoomEvents {
  /** The router died with its worker: every transport is gone; the room must be built again. */
  lost: [simulated: SimulatedVenueSpec[]];
  /** A venue worker died: these venues' browsers must set their media up again (the program went on). */
  venuesLost: [venueIds: string[]];
  /** The program cut to another source (switch latency is cutAt - requestedAt). */
  cut: [cut: Cut];
  /** The program holds a venue on a lower simulcast layer (`undefined`: no longer): the venue should send nothing above it. */
  layerHold: [venueId: string, spatialLayer: number | undefined];
}
export type { BroadcastView } from './program-outlets';

const notFound = (what: string) => new PlenaryError(ErrorCode.NOT_FOUND, what);

/**
 * The media of one conference on one router: every venue's WebRTC transports,
 * producers and consumers, simulated venues, and the program switcher. A venue
 * only ever touches its own transports. Closing a venue closes its transports,
 * hence its producers, and the program falls back if it was on air.
 */
export class ConferenceRoom extends EventEmitter<RoomEvents> {
  private readonly venues: VenueMediaSet;
  /** Who muted each venue; kept while a venue is away. */
  private readonly mutes = new MicrophoneMutes();
  /** The venue on air never hears its own microphone back. */
  private readonly mixMinus = new MixMinus();
  /** The simulated venues and interpreters publishing here, started again if they stop. */
  private readonly simulated: SimulatedSources;
  private closed = false;
  /** The broadcast of the program and the restreams that push it elsewhere. */
  private readonly outlets: ProgramOutlets;
  /** What the program shows while no venue's picture is there (the encoder must never starve). */
  readonly slate: ProgramSlate;

  private constructor(
    readonly conferenceId: string,
    readonly routers: RouterSet,
    readonly switcher: ProgramSwitcher,
    /** The interpretation channels' feeds: an interpreter's producer goes there, not to the program. */
    readonly interpretation: InterpretationFeeds,
    private readonly logger: Logger,
  ) {
    super();
    this.venues = new VenueMediaSet((venueId) => routers.edgeFor(venueId));
    this.slate = new ProgramSlate(routers.primary.router, switcher, logger);
    this.outlets = new ProgramOutlets(switcher, logger);
    const host = { isClosed: () => this.closed, placeVenue: (venueId: string) => this.venues.place(venueId), venueNow: (venueId: string) => this.venues.get(venueId) };
    this.simulated = new SimulatedSources({ ...host, takeProducer: (venueId, venue, producer) => this.trackProducer(venueId, venue, producer) }, logger);
    switcher.on('cut', (cut) => this.emit('cut', cut));
    switcher.on('layerHold', (venueId, layer) => this.emit('layerHold', venueId, layer));
    routers.once('lost', () => {
      if (this.closed) return;
      const simulated = this.simulatedVenues();
      this.logger.error({ conferenceId }, 'the conference lost a router with its worker');
      // Told once the old encoder is gone: the rebuilt room's never runs beside it.
      void this.end('workerDied')
        .catch((error: unknown) => this.logger.error({ err: error }, 'the lost room did not stop cleanly'))
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
      const venue = this.venues.remove(venueId);
      if (!venue) continue;
      const stand = venue.simulated;
      venue.simulated = undefined; // its sender stopping now is not a reason to restart it
      if (stand) {
        simulated.push(stand.spec);
        void stand.venue.close();
      } else browsers.push(venueId);
    }
    this.logger.error({ venues: venueIds }, 'a venue worker died; its venues publish again, the program goes on');
    if (browsers.length > 0) this.emit('venuesLost', browsers);
    await this.simulated.publishAgain(simulated);
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

  /** A WebRTC transport for a venue, on its worker's single-port WebRtcServer. */
  createWebRtcTransport(venueId: string, socketId?: string): Promise<TransportInfo> {
    this.assertOpen();
    return this.venues.createTransport(venueId, socketId);
  }

  async connectTransport(venueId: string, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.venues.transportOf(venueId, transportId).connect({ dtlsParameters });
  }

  /** A venue publishes its camera or microphone; it becomes a program source at once. */
  async produce(venueId: string, transportId: string, kind: types.MediaKind, rtpParameters: types.RtpParameters): Promise<string> {
    const transport = this.venues.transportOf(venueId, transportId);
    if (isInterpretationChannelId(venueId) && (kind !== 'audio' || !this.interpretation.producerOf(venueId))) {
      throw kind === 'audio' ? notFound('There is no such interpretation channel') : new PlenaryError(ErrorCode.FORBIDDEN, 'An interpreter publishes its voice only');
    }
    const venue = await this.venues.place(venueId);
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
    const transport = this.venues.transportOf(venueId, transportId);
    const venue = await this.venues.place(venueId);
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
    const consumer = this.venues.consumerOf(venueId, consumerId);
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
    this.venues.consumerOf(venueId, consumerId).close();
  }

  /** The browser's network changed: new ICE credentials, same transport, media keeps its state. */
  async restartIce(venueId: string, transportId: string): Promise<unknown> {
    return this.venues.transportOf(venueId, transportId).restartIce();
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
    await this.simulated.publish(spec, restarts);
  }

  /** The process id of a simulated venue's sender (tests kill it to see it started again). */
  simulatedSenderPid(venueId: string): number | undefined {
    return this.venues.get(venueId)?.simulated?.venue.pid;
  }

  /** The venues with media here (a browser's, a simulated camera, or both). */
  venueIds(): string[] {
    return this.venues.ids();
  }

  /** The simulated venues publishing here. */
  simulatedVenues(): SimulatedVenueSpec[] {
    return this.venues.simulatedSpecs();
  }

  /** Starts encoding the program as an LL-HLS ladder (once), told who is on air at each cut. */
  startBroadcast(options: BroadcastOptions): Promise<void> {
    this.assertOpen();
    return this.outlets.startBroadcast(this.router, options, this.interpretation);
  }

  /** Ends the broadcast of this room (its recording is finished); the room's venues go on. */
  stopBroadcast(): Promise<void> {
    return this.outlets.stopBroadcast();
  }

  /** The broadcast as it may be read from outside, while there is one. */
  get broadcast(): BroadcastView | undefined {
    return this.outlets.view;
  }

  /** The venues' names and the agenda item in force, as the conference has them now. */
  nameVenues(names: Readonly<Record<string, string>>, agendaItem?: string): void {
    this.outlets.nameVenues(names, agendaItem);
  }

  /** The captions channels as the conference has them: each a subtitles rendition of the broadcast. */
  setCaptionTracks(tracks: readonly CaptionTrackInfo[]): void {
    this.outlets.setCaptionTracks(tracks);
  }

  /** A caption line for a channel of the broadcast, unless there is no broadcast or no such channel on it yet. */
  addCue(trackId: string, cue: Cue): 'added' | 'noBroadcast' | 'noChannel' {
    return this.outlets.addCue(trackId, cue);
  }

  /** Where the broadcast is pushed besides our own origin (other platforms' RTMP / SRT ingest), as the conference has it. */
  setRestreams(destinations: readonly DestinationSpec[]): Promise<void> {
    return this.outlets.setRestreams(destinations);
  }

  restreamStatuses(): ReturnType<ProgramOutlets['restreamStatuses']> {
    return this.outlets.restreamStatuses();
  }

  /** The venue whose picture goes into the broadcast's corner (sign language), or none. */
  setSignVenue(venueId: string | undefined): Promise<void> {
    return this.switcher.setSignVenue(venueId);
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
    this.simulated.cancel(venueId);
    const venue = this.venues.remove(venueId);
    if (!venue) return;
    for (const transport of venue.transports.values()) transport.close();
    await venue.simulated?.venue.close();
    this.switcher.removeVenue(venueId);
  }

  /** Media health of every venue's producers. */
  async stats(): Promise<VenueMediaStats[]> {
    return this.venues.health();
  }

  /** Closes every venue, the broadcast, the switcher and the routers. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.end('asked');
  }

  /**
   * The one teardown, for either cause: asked (the conference ended, this process stops), or the
   * program's worker died and took the routers, transports and producers along. Then nothing may
   * send into it any more (the program's tracks stop at once), only what runs outside mediasoup
   * is stopped, and the encoder is killed (a rebuilt room's must never run beside it).
   */
  private async end(cause: 'asked' | 'workerDied'): Promise<void> {
    this.closed = true;
    this.simulated.cancelAll();
    if (cause === 'workerDied') {
      this.switcher.close();
      this.interpretation.close();
      for (const venue of this.venues.removeAll()) void venue.simulated?.venue.close();
      void this.slate.close();
      return this.outlets.close({ abrupt: true });
    }
    await this.outlets.close();
    await Promise.all(this.venueIds().map((venueId) => this.closeVenue(venueId)));
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


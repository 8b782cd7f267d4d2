import type { types } from 'mediasoup';
import { ErrorCode, PlenaryError, type VenueMediaStats } from '@plenary/shared';
import type { SimulatedSender } from '../simulated/venue';
import type { Edge } from './routers';
import type { SimulatedVenueSpec, TransportInfo } from './media-types';

/** One venue's media in a conference room: its router, its browser's transports, what it sends and receives, its simulated camera. */
export interface VenueMedia {
  /** The router (and worker) this venue's transports live on. */
  edge: Edge;
  transports: Map<string, types.WebRtcTransport>;
  /** Producers by kind: one camera and one microphone per venue. */
  producers: Map<types.MediaKind, types.Producer>;
  consumers: Map<string, types.Consumer>;
  /** A simulated camera and tone, or for an interpreter a simulated voice. */
  simulated: { venue: SimulatedSender; spec: SimulatedVenueSpec } | undefined;
}

const notFound = (what: string) => new PlenaryError(ErrorCode.NOT_FOUND, what);

/**
 * The venues with media in a room, each placed on a worker's router the first time it is needed,
 * with its browser's WebRTC transports and consumers. A venue only ever reaches its own.
 */
export class VenueMediaSet {
  private readonly venues = new Map<string, VenueMedia>();
  private readonly pending = new Map<string, Promise<VenueMedia>>();

  constructor(private readonly edgeFor: (venueId: string) => Promise<Edge>) {}

  /** A venue's media, placed on a router the first time it is needed. */
  place(venueId: string): Promise<VenueMedia> {
    const existing = this.venues.get(venueId);
    if (existing) return Promise.resolve(existing);
    let pending = this.pending.get(venueId);
    if (!pending) {
      pending = this.edgeFor(venueId).then((edge) => {
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

  get(venueId: string): VenueMedia | undefined {
    return this.venues.get(venueId);
  }

  /** Forgets a venue (its media is closed by the caller). */
  remove(venueId: string): VenueMedia | undefined {
    const venue = this.venues.get(venueId);
    this.venues.delete(venueId);
    return venue;
  }

  /** Forgets every venue, returning them. */
  removeAll(): VenueMedia[] {
    const all = [...this.venues.values()];
    this.venues.clear();
    return all;
  }

  ids(): string[] {
    return [...this.venues.keys()];
  }

  /** The simulated venues publishing here. */
  simulatedSpecs(): SimulatedVenueSpec[] {
    return [...this.venues.values()].flatMap((venue) => (venue.simulated ? [venue.simulated.spec] : []));
  }

  transportOf(venueId: string, transportId: string): types.WebRtcTransport {
    const transport = this.venues.get(venueId)?.transports.get(transportId);
    if (!transport) throw notFound('No such transport for this venue');
    return transport;
  }

  consumerOf(venueId: string, consumerId: string): types.Consumer {
    const consumer = this.venues.get(venueId)?.consumers.get(consumerId);
    if (!consumer) throw notFound('No such consumer for this venue');
    return consumer;
  }

  /** A WebRTC transport for a venue, on its worker's single-port WebRtcServer (four at most). */
  async createTransport(venueId: string, socketId?: string): Promise<TransportInfo> {
    const venue = await this.place(venueId);
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

  /** Media health of every venue's producers (the presider's tiles). */
  async health(): Promise<VenueMediaStats[]> {
    const result: VenueMediaStats[] = [];
    for (const [venueId, venue] of this.venues) {
      for (const producer of venue.producers.values()) {
        for (const s of await producer.getStats()) {
          result.push({ venueId, kind: producer.kind, bitrate: s.bitrate, packetsLost: s.packetsLost, fractionLost: s.fractionLost, score: s.score, roundTripTime: s.roundTripTime });
        }
      }
    }
    return result;
  }
}

/** Who muted each venue: its microphone is paused at the SFU while anyone did. */
export class MicrophoneMutes {
  private readonly flags = new Map<string, Set<'presider' | 'self'>>();

  set(venueId: string, by: 'presider' | 'self', muted: boolean): void {
    const flags = this.flags.get(venueId) ?? new Set();
    if (muted) flags.add(by);
    else flags.delete(by);
    this.flags.set(venueId, flags);
  }

  isMuted(venueId: string): boolean {
    return (this.flags.get(venueId)?.size ?? 0) > 0;
  }

  /** Pauses or resumes a venue's microphone to match. */
  async apply(venueId: string, microphone: types.Producer | undefined): Promise<void> {
    // Already so: nothing to ask the worker (the server reconciles after every event).
    if (!microphone || microphone.closed || microphone.paused === this.isMuted(venueId)) return;
    if (this.isMuted(venueId)) await microphone.pause();
    else await microphone.resume();
  }
}

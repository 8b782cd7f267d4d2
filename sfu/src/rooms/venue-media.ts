import type { types } from 'mediasoup';
import type { VenueMediaStats } from '@plenary/shared';
import type { SimulatedVenue } from '../simulated/venue';
import type { Edge } from './routers';
import type { SimulatedVenueSpec } from './media-types';

/** One venue's media in a conference room: its router, its browser's transports, what it sends and receives, its simulated camera. */
export interface VenueMedia {
  /** The router (and worker) this venue's transports live on. */
  edge: Edge;
  transports: Map<string, types.WebRtcTransport>;
  /** Producers by kind: one camera and one microphone per venue. */
  producers: Map<types.MediaKind, types.Producer>;
  consumers: Map<string, types.Consumer>;
  simulated: { venue: SimulatedVenue; spec: SimulatedVenueSpec } | undefined;
}

/** Media health of every venue's producers (the presider's tiles). */
export async function healthOf(venues: Map<string, VenueMedia>): Promise<VenueMediaStats[]> {
  const result: VenueMediaStats[] = [];
  for (const [venueId, venue] of venues) {
    for (const producer of venue.producers.values()) {
      for (const s of await producer.getStats()) {
        result.push({ venueId, kind: producer.kind, bitrate: s.bitrate, packetsLost: s.packetsLost, fractionLost: s.fractionLost, score: s.score, roundTripTime: s.roundTripTime });
      }
    }
  }
  return result;
}

import type { types } from 'mediasoup';
import type { VenueMediaStats } from '@plenary/shared';
import type { SimulatedSender } from '../simulated/venue';
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
  /** A simulated camera and tone, or for an interpreter a simulated voice. */
  simulated: { venue: SimulatedSender; spec: SimulatedVenueSpec } | undefined;
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

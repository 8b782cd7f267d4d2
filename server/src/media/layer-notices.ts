import { rooms } from '@plenary/shared';
import type { MediaPlane } from '@plenary/sfu';
import type { PlenaryIo } from '../signaling/io';

/**
 * Tells a venue's browser when the program holds its picture on a lower simulcast layer, and
 * when the hold ends: meanwhile it sends nothing above that layer (its own retries of the top
 * layer crowded a short link and froze the broadcast with it), then it may climb again.
 */
export function tellVenuesTheirLayers(media: MediaPlane, io: PlenaryIo): void {
  media.on('layerHold', (conferenceId, venueId, layer) => {
    io.to(rooms.venue(conferenceId, venueId)).emit('sendLayers', { maxSpatialLayer: layer ?? null });
  });
}

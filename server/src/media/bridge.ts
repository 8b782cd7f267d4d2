import type { Logger } from 'pino';
import type { VersionedEvent } from '@plenary/shared';
import type { MediaPlane } from '@plenary/sfu';
import type { RoomOf } from './reconcile';

/**
 * Makes the media plane follow the conference: the program goes to whoever
 * gets the floor, a muted venue's microphone pauses, a venue that left loses its browser's media, an ended conference closes
 * its room. Fed with every stored event, from this process and (through the
 * Socket.io adapter) from the others, and acts only on rooms this process hosts
 * or must host (the floor moving creates the room).
 */
export function mediaBridge(media: MediaPlane, roomOf: RoomOf, logger: Logger, release: (conferenceId: string) => Promise<void>): (events: VersionedEvent[]) => void {
  return (events) => {
    for (const { conferenceId, event } of events) {
      const act = async () => {
        switch (event.type) {
          case 'floorGiven':
            return (await roomOf(conferenceId)).setOnAir(event.venueId);
          case 'venueLeft':
            return (await media.existingRoom(conferenceId))?.venueLeft(event.venueId);
          case 'venueRemoved':
            return (await media.existingRoom(conferenceId))?.closeVenue(event.venueId);
          case 'venueMuted':
            return (await media.existingRoom(conferenceId))?.setMuted(event.venueId, event.by, event.muted);
          case 'conferenceEnded':
            // The recording is finished before the lease goes: nobody else may start one meanwhile.
            await media.closeRoom(conferenceId);
            return release(conferenceId);
          default:
            return undefined;
        }
      };
      act().catch((error: unknown) => logger.error({ err: error, conferenceId, event: event.type }, 'the media plane could not follow the conference'));
    }
  };
}

import type { Logger } from 'pino';
import { rooms } from '@plenary/shared';
import type { MediaPlane, SimulatedVenueSpec } from '@plenary/sfu';
import type { MediaHost } from './host';
import type { ConferenceService } from '../conference/service';
import type { PlenaryIo } from '../signaling/io';

/**
 * Rebuilds a conference's media when the program switcher's worker dies (the
 * pool has already started a replacement): the host builds a new room as on a
 * takeover (the saved simulated venues published again, the floor holder back
 * on air, every client told to set up its media again). When a worker carrying
 * only venues dies, just those venues' clients are told (the room republished
 * its simulated venues itself).
 */
export function recoverLostRooms(media: MediaPlane, host: MediaHost, conferences: ConferenceService, io: PlenaryIo, logger: Logger): void {
  // A venue worker died: only its venues set their media up again; the program and broadcast went on.
  media.on('venueslost', (conferenceId: string, venueIds: string[]) => {
    for (const venueId of venueIds) io.to(rooms.venue(conferenceId, venueId)).emit('mediaReset');
    logger.warn({ conferenceId, venues: venueIds }, 'venues told to set their media up again after their worker died');
  });
  media.on('roomlost', (conferenceId: string, simulated: SimulatedVenueSpec[]) => {
    const log = logger.child({ conferenceId });
    const rebuild = async () => {
      const state = await conferences.get(conferenceId);
      if (!state || state.status === 'ended') return;
      // Built at once on the workers that live (the dead one is replaced about a second later, and
      // venues that come back after that are placed on it): the broadcast matters more than the layout.
      // A new room, reconciled with the conference (mutes, the floor holder on air); the simulated
      // venues publish again, the floor holder's cuts in as soon as it does, browsers are told.
      if (await host.rebuild(conferenceId, simulated)) log.warn({ onAir: state.floor.holder }, 'conference media rebuilt after a worker died');
    };
    // A conference without media is dark: keep trying (backing off to 5 s) while the process
    // runs and the conference is live; say so loudly every tenth failure.
    const attempt = (n: number) =>
      rebuild().catch((error: unknown) => {
        if (media.isClosed) return;
        if (n % 10 === 0) log.error({ err: error, attempts: n }, 'could not rebuild the conference media yet; still trying');
        setTimeout(() => attempt(n + 1), Math.min(5000, 500 * n));
      });
    void attempt(1);
  });
}

import type { Logger } from 'pino';
import type { VersionedEvent } from '@plenary/shared';
import type { MediaHost } from './host';

/**
 * Makes the media follow the conference: fed with every stored event, from
 * this process and (through the Socket.io adapter) from the others. The
 * process hosting a conference's media reconciles its room with the stored
 * state after each batch (the floor holder on air, mutes, venues gone); a floor
 * change that nobody hosts yet makes one process host it; an ended conference
 * closes its room and retires its lease.
 */
export function mediaBridge(host: MediaHost, logger: Logger): (events: VersionedEvent[]) => void {
  return (events) => {
    const conferences = new Map<string, boolean>();
    for (const { conferenceId, event } of events) {
      const needsMedia = event.type === 'floorGiven' || event.type === 'conferenceEnded';
      conferences.set(conferenceId, (conferences.get(conferenceId) ?? false) || needsMedia);
    }
    for (const [conferenceId, needsMedia] of conferences) {
      host.follow(conferenceId, needsMedia).catch((error: unknown) => logger.error({ err: error, conferenceId }, 'the media plane could not follow the conference'));
    }
  };
}

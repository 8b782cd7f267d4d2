import type { Logger } from 'pino';
import type { BroadcastNumber, MediaPlane } from '@plenary/sfu';
import type { MediaOwnership } from './ownership';

/** Where a conference's broadcast is when several server processes share it (see MediaHost). */
export interface BroadcastWhereabouts {
  /** The address of the process hosting the conference's media, when it is another one. */
  elsewhere(conferenceId: string): Promise<string | undefined>;
  /** Whether the conference's media was hosted and is being taken over (a standby builds it). */
  moving(conferenceId: string): Promise<boolean>;
  /** Whether this process's lease on the media was confirmed lately (false after a long pause: fencing). */
  confirmedHere(conferenceId: string): boolean;
}

/**
 * Whether this process broadcasts a conference, and which broadcast of it this
 * is: only the holder of its media lease broadcasts and records it (its number
 * starts a new discontinuity sequence above the last one's). Redis away: not
 * from here, and the media plane goes on without a broadcast for that room.
 */
export function broadcastNumberOf(ownership: MediaOwnership, logger: Logger): BroadcastNumber {
  return async (conferenceId) => {
    try {
      if ((await ownership.claim(conferenceId))?.processId !== ownership.processId) return undefined;
      return await ownership.nextBroadcast(conferenceId);
    } catch (error) {
      logger.warn({ err: error, conferenceId }, 'could not claim the conference media; not broadcasting it from here');
      return undefined;
    }
  };
}

/** The whereabouts from the leases: here, at another process, or on its way. */
export function broadcastWhereabouts(ownership: MediaOwnership, media: MediaPlane): BroadcastWhereabouts {
  return {
    // The conference's media is hosted by another process: its broadcast is there.
    elsewhere: async (conferenceId) => {
      const owner = await ownership.holder(conferenceId).catch(() => undefined);
      return owner && owner.processId !== ownership.processId && owner.url ? owner.url : undefined;
    },
    // Hosted before and live (not retired), and not here: its owner is unreachable or a standby is building it.
    moving: async (conferenceId) => !media.existingRoom(conferenceId) && (await ownership.hosted().catch((): string[] => [])).includes(conferenceId),
    confirmedHere: (conferenceId) => ownership.confirmed(conferenceId),
  };
}

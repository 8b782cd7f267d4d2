import type { Logger } from 'pino';
import type { MediaPlane } from '@plenary/sfu';

/** How often a standby looks for a broadcast to take over (a lease is free at once after a goodbye, 6 s after a crash). */
const CHECK_MS = 1000;

/**
 * The standby of every conference whose room is in this process but whose
 * broadcast is not (another process holds the media lease). When the lease is
 * free again (its holder died without a goodbye, or ended its broadcast), this
 * process claims it and broadcasts from its own room; media sequence numbers
 * and program date times follow the clock, so players go on through one
 * discontinuity. Redis mode only. Owns its timer.
 */
export class BroadcastStandby {
  private readonly timer: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly media: MediaPlane,
    private readonly mayBroadcast: (conferenceId: string) => Promise<boolean>,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.check(), CHECK_MS);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    if (this.checking || this.media.isClosed) return;
    this.checking = true;
    try {
      for (const conferenceId of this.media.conferenceIds()) {
        const room = await this.media.existingRoom(conferenceId)?.catch(() => undefined);
        if (!room || room.broadcast || !(await this.mayBroadcast(conferenceId))) continue;
        this.logger.warn({ conferenceId }, 'the conference media lease was free: broadcasting it from this process');
        await this.media.startBroadcast(conferenceId);
      }
    } finally {
      this.checking = false;
    }
  }
}

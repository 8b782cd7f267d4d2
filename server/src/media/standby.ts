import type { Logger } from 'pino';
import type { ConferenceState } from '@plenary/shared';
import type { MediaHost } from './host';
import type { MediaOwnership } from './ownership';

/** How often a standby looks for media nobody hosts (a lease is free at once after a goodbye, LEASE_MS after a crash). */
const CHECK_MS = 500;

/**
 * The standby for every conference whose media another process hosts: when
 * its lease is free (the owner died without a goodbye, or shut down), this
 * process claims it and builds the media (room, simulated cameras, encoder,
 * a new recording folder), and the browser venues are told to publish here.
 * Media sequence numbers and program date times follow the clock, so players
 * go on through one discontinuity. Redis mode only. Owns its timer.
 */
export class MediaStandby {
  private readonly timer: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly host: MediaHost,
    private readonly ownership: MediaOwnership,
    private readonly stateOf: (conferenceId: string) => Promise<ConferenceState | undefined>,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.check(), CHECK_MS);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const conferenceId of await this.ownership.hosted()) {
        await this.checkOne(conferenceId).catch((error: unknown) => this.logger.error({ err: error, conferenceId }, 'could not take over the conference media; trying again'));
      }
    } catch (error) {
      this.logger.debug({ err: error }, 'could not list the hosted conferences (Redis away?)');
    } finally {
      this.checking = false;
    }
  }

  private async checkOne(conferenceId: string): Promise<void> {
    // Hosted here: the lease's renewal looks after it.
    if (this.host.hosts(conferenceId)) return;
    const owned = this.ownership.owns(conferenceId);
    if (!owned && (await this.ownership.holder(conferenceId))) return;
    const state = await this.stateOf(conferenceId);
    if (!state || state.status === 'ended') return this.ownership.retire(conferenceId);
    // Free: take it. Ours without a room (a build that failed): build it again.
    if ((await this.host.roomHere(conferenceId)) && !owned) this.logger.warn({ conferenceId }, 'the conference media lease was free: this process hosts the media now');
  }
}

import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { isInterpretationChannelId } from '@plenary/shared';
import { SimulatedVenue } from '../simulated/venue';
import { SimulatedVoice } from '../simulated/voice';
import { RestartSchedule } from './restarts';
import type { SimulatedVenueSpec } from './media-types';
import type { VenueMedia } from './venue-media';

/** What a room lends its simulated sources: where a venue's media lives, and taking a producer in. */
export interface SimulatedSourceHost {
  isClosed(): boolean;
  /** The venue's media, placed on a router if it has none yet. */
  placeVenue(venueId: string): Promise<VenueMedia>;
  /** The venue's media now (undefined: the venue is gone). */
  venueNow(venueId: string): VenueMedia | undefined;
  /** Takes a producer in as the venue's (a program source, or an interpreter's voice). */
  takeProducer(venueId: string, venue: VenueMedia, producer: types.Producer): Promise<void>;
}

/**
 * A room's simulated venues (a coloured picture, a name, a clock and a tone) and simulated
 * interpreters (a tone, the voice only): each publishes into the room like a browser, and is
 * started again if its sender stops (at once after a good run, backing off up to 10 s while it
 * keeps failing). The one owner of their senders' restarts.
 */
export class SimulatedSources {
  private readonly restarts = new RestartSchedule();

  constructor(
    private readonly room: SimulatedSourceHost,
    private readonly logger: Logger,
  ) {}

  /** Starts the sender of a simulated venue (or, for an interpretation channel's id, a simulated interpreter), replacing one running. */
  async publish(spec: SimulatedVenueSpec, restarts = 0): Promise<void> {
    const { venueId, name, colour } = spec;
    this.restarts.cancel(venueId);
    const venue = await this.room.placeVenue(venueId);
    await venue.simulated?.venue.close();
    const startedAt = Date.now();
    const onStopped = () => {
      if (this.room.isClosed() || venue.simulated?.venue !== simulated) return;
      const again = Date.now() - startedAt > 30_000 ? 0 : restarts + 1;
      this.restartLater(spec, again);
    };
    const router = venue.edge.router;
    const simulated = isInterpretationChannelId(venueId)
      ? await SimulatedVoice.start({ router, toneHz: spec.toneHz ?? 660, logger: this.logger, onStopped })
      : await SimulatedVenue.start({ router, name, colour, ...(spec.toneHz ? { toneHz: spec.toneHz } : {}), logger: this.logger, onStopped });
    // Closed, or the venue gone, meanwhile: not needed. Another call's sender started meanwhile
    // (a venue's browser left on two paths at once): this one replaces it; none is left running.
    // The check and the hand-over are one step (no await between them): a close() or another
    // call coming meanwhile finds this sender in its place and stops it, never an orphan.
    if (this.room.isClosed() || this.room.venueNow(venueId) !== venue) return void (await simulated.close());
    const previous = venue.simulated?.venue;
    venue.simulated = { venue: simulated, spec };
    if (previous !== simulated) await previous?.close();
    for (const producer of simulated.producers) await this.room.takeProducer(venueId, venue, producer);
  }

  /** Starts it again after the backoff for this many failed starts in a row. */
  restartLater(spec: SimulatedVenueSpec, restarts: number): void {
    this.restarts.schedule(spec.venueId, restarts, async () => {
      if (this.room.isClosed() || !this.room.venueNow(spec.venueId)) return; // the venue left meanwhile
      try {
        await this.publish(spec, restarts);
        this.logger.warn({ venueId: spec.venueId, restarts }, 'simulated venue started again');
      } catch (error) {
        if (this.room.isClosed()) return;
        this.logger.error({ err: error, venueId: spec.venueId }, 'could not start the simulated venue again');
        this.restartLater(spec, restarts + 1);
      }
    });
  }

  /**
   * Publishes these again (their worker died; a live one is picked while its slot is refilled,
   * within about a second); one that fails starts again after the backoff.
   */
  async publishAgain(specs: readonly SimulatedVenueSpec[]): Promise<void> {
    for (const spec of specs) {
      if (this.room.isClosed()) return;
      await this.publish(spec).catch((error: unknown) => {
        this.logger.error({ err: error, venueId: spec.venueId }, 'could not publish the simulated venue again');
        this.restartLater(spec, 1);
      });
    }
  }

  /** A restart waiting for this venue is not wanted any more (it left). */
  cancel(venueId: string): void {
    this.restarts.cancel(venueId);
  }

  cancelAll(): void {
    this.restarts.cancelAll();
  }
}

import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { SimulatedVenue, type Rgb } from '../simulated/venue';
import { SLATE, type ProgramSwitcher } from './switcher';

/** A dark grey picture: nothing a viewer could take for a venue. */
const SLATE_COLOUR: Rgb = { r: 48, g: 48, b: 56 };

/**
 * What the program shows when no venue's picture is there: the floor holder's
 * went (its worker died, its browser dropped) and the main venue has none. A
 * picture saying so ("Please stand by", with a running clock), started when the
 * switcher says it is starved and stopped once a venue's picture is cut in
 * again, so the broadcast encoder always has a continuous program and viewers
 * see why nothing happens rather than a frozen frame. Owned by its room.
 */
export class ProgramSlate {
  private sender: Promise<SimulatedVenue> | undefined;
  private closed = false;

  constructor(
    private readonly router: types.Router,
    private readonly switcher: ProgramSwitcher,
    private readonly logger: Logger,
  ) {
    switcher.on('starved', () => void this.show());
    switcher.on('cut', (cut) => {
      if (cut.kind === 'video' && cut.venueId !== SLATE) void this.stop();
    });
  }

  /** Whether the slate is on (or starting). */
  get showing(): boolean {
    return this.sender !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  private async show(): Promise<void> {
    if (this.closed || this.sender) return;
    const starting = SimulatedVenue.start({ router: this.router, name: 'Please stand by', colour: SLATE_COLOUR, logger: this.logger, onStopped: () => void this.restart(starting) });
    this.sender = starting;
    try {
      const sender = await starting;
      // Stopped meanwhile (a venue's picture came back first): it is not needed.
      if (this.sender !== starting) return void (await sender.close());
      await this.switcher.showSlate(sender.videoProducer);
    } catch (error) {
      if (this.sender === starting) this.sender = undefined;
      this.logger.error({ err: error }, 'could not start the slate');
    }
  }

  /** The slate's sender stopped by itself while it was needed: start another. */
  private async restart(stopped: Promise<SimulatedVenue>): Promise<void> {
    if (this.sender !== stopped || this.closed) return;
    this.sender = undefined;
    this.switcher.dropSlate();
    await this.show();
  }

  private async stop(): Promise<void> {
    const sender = this.sender;
    if (!sender) return;
    this.sender = undefined;
    this.switcher.dropSlate();
    await (await sender.catch(() => undefined))?.close();
  }
}

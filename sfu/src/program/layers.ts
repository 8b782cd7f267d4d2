import type { types } from 'mediasoup';
import type { Logger } from 'pino';

/**
 * How long (ms) the program stays on a lower simulcast layer of a venue after it had to step
 * down to it. A browser short of bandwidth stops its top layer and tries it again every 15-30 s;
 * the program followed each try up and each collapse down, and every step down waits for a
 * keyframe of the lower layer with nothing to show: at 2 % loss under a 500 kbit/s cap, 8 freezes
 * of 0.7-2 s in 90 s. Holding the lower layer trades a sharper picture for a steady one.
 */
export const LAYER_HOLD_MS = 30_000;
/** A step down again soon after a hold ended doubles the next hold, up to this (ms). */
const MAX_LAYER_HOLD_MS = 240_000;
/** How soon (ms) after a hold ended a step down counts as the same trouble again. */
const AGAIN_WITHIN_MS = 60_000;
/** How often (ms) a hold that is due to end looks again at a venue's link that is not clean yet. */
const RECHECK_MS = 5_000;
/** A link that lost less than this share of the venue's packets since the last look is clean... */
const CLEAN_LOSS = 0.005;
/** ... over at least this many packets (a few seconds of the lower layer). */
const MIN_PACKETS = 100;

/** The venue's packets that reached the SFU and were lost on its link so far (cumulative). */
export type LinkCounts = () => Promise<{ packets: number; lost: number } | undefined>;

export interface LayerHoldOptions {
  holdMs?: number;
  /** Told the layer held when a hold starts, and `undefined` when it ends. */
  onHold?: (spatialLayer: number | undefined) => void;
  /** The venue's link as the SFU sees it: a hold ends only once the link carried a while without loss. */
  linkCounts?: LinkCounts;
}

/**
 * Keeps one program consumer of a simulcast venue on the layer it stepped down to, for
 * LAYER_HOLD_MS, then lets it climb again; a link that fails the climb again at once is held
 * twice as long each time (a browser retries its top layer every 15-30 s for as long as its
 * link is short). Tells `onHold` the layer held (and `undefined` when the hold ends), so that
 * the venue's browser can stop sending the layers above it meanwhile: each of its own retries
 * crowded the short link, and the layer on air froze with it. With `linkCounts`, a hold ends
 * only once the venue's link lost nothing for a while: every climb onto a link still lossy
 * froze the broadcast for one to two seconds. Owns its one timer; ends with its consumer.
 */
export class LayerHold {
  private timer: NodeJS.Timeout | undefined;
  private current: number | undefined;
  private readonly top: types.ConsumerLayers | undefined;
  private hold: number;
  /** When the last hold ended (ms), if one did. */
  private releasedAt: number | undefined;
  /** The link's counts at the last look (see linkIsClean). */
  private counted: { packets: number; lost: number } | undefined;
  private readonly holdMs: number;
  private readonly onHold: (spatialLayer: number | undefined) => void;

  constructor(
    private readonly consumer: types.Consumer,
    private readonly logger: Logger,
    private readonly options: LayerHoldOptions = {},
  ) {
    this.holdMs = options.holdMs ?? LAYER_HOLD_MS;
    this.onHold = options.onHold ?? (() => undefined);
    this.hold = this.holdMs;
    this.top = consumer.preferredLayers;
    if (consumer.type !== 'simulcast' || !this.top) return;
    consumer.on('layerschange', (layers) => this.onLayers(layers?.spatialLayer));
    consumer.observer.once('close', () => {
      if (this.timer) this.onHold(undefined);
      clearTimeout(this.timer);
    });
  }

  private onLayers(spatial: number | undefined): void {
    // No layer at all: the venue paused or its stream went (the switcher falls back by itself).
    if (spatial === undefined) return;
    const stepsDown = this.current !== undefined && spatial < this.current;
    this.current = spatial;
    if (!stepsDown) return;
    const again = this.releasedAt !== undefined && Date.now() - this.releasedAt < AGAIN_WITHIN_MS;
    this.hold = again ? Math.min(this.hold * 2, MAX_LAYER_HOLD_MS) : this.holdMs;
    this.logger.info({ consumerId: this.consumer.id, spatialLayer: spatial, holdMs: this.hold }, 'the venue on air stepped down a simulcast layer; the program stays on it for a while');
    this.prefer({ spatialLayer: spatial });
    this.onHold(spatial);
    void this.linkIsClean(); // where the link stands now: the first look compares with it
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.release(), this.hold);
  }

  /** The hold is due to end: it does if the link is clean (or not watched), else it looks again soon. */
  private async release(): Promise<void> {
    const due = this.timer;
    const clean = !this.options.linkCounts || (await this.linkIsClean());
    // Closed, or a new step down started another hold meanwhile.
    if (this.consumer.closed || this.timer !== due) return;
    if (!clean) {
      this.timer = setTimeout(() => void this.release(), RECHECK_MS);
      return;
    }
    this.timer = undefined;
    this.releasedAt = Date.now();
    if (this.top) this.prefer(this.top);
    this.onHold(undefined);
  }

  /** Whether the venue's link lost (almost) nothing since the last look, over enough packets to tell. */
  private async linkIsClean(): Promise<boolean> {
    const now = await this.options.linkCounts?.().catch(() => undefined);
    const before = this.counted;
    this.counted = now;
    if (!now || !before) return false;
    const packets = now.packets - before.packets;
    const lost = now.lost - before.lost;
    return packets >= MIN_PACKETS && lost / (packets + lost) < CLEAN_LOSS;
  }

  private prefer(layers: types.ConsumerLayers): void {
    if (this.consumer.closed) return;
    // The worker may be closing the consumer under us: nothing to hold then.
    this.consumer.setPreferredLayers(layers).catch((error: unknown) => {
      if (!this.consumer.closed) this.logger.warn({ err: error }, 'could not set the program consumer\'s preferred layer');
    });
  }
}

/** A venue's producer as its link delivers it to the SFU: packets received and lost so far, all its streams. */
export function linkCountsOf(producer: types.Producer): LinkCounts {
  return async () => {
    if (producer.closed) return undefined;
    const streams = await producer.getStats();
    return { packets: streams.reduce((sum, s) => sum + s.packetCount, 0), lost: streams.reduce((sum, s) => sum + s.packetsLost, 0) };
  };
}

import type { types } from 'mediasoup';

interface Listener {
  venueId: string;
  consumer: types.Consumer;
  /** The venue's browser is ready for the stream (it asked to resume it). */
  wanted: boolean;
}

/**
 * What each room hears of the program's floor track (the floor holder's microphone): every
 * venue but the one on air, which would otherwise hear its own speaker come back through its
 * hall's loudspeakers a moment late (echo; with a hall PA, howling). An MCU sends each venue
 * "mix-minus" (N-1); here the floor track is the only place a venue's own microphone comes back
 * (the main venue's is on a track the main venue never receives), so the venue on air's
 * consumers of it are held paused at the SFU while it holds the floor, whatever its browser does.
 */
export class MixMinus {
  private readonly listeners = new Map<string, Listener>();
  private onAir: string | undefined;

  /** A venue's consumer of the floor track, made paused; forgotten when it closes. */
  add(venueId: string, consumer: types.Consumer): void {
    this.listeners.set(consumer.id, { venueId, consumer, wanted: false });
    consumer.observer.once('close', () => this.listeners.delete(consumer.id));
  }

  /** Whether a consumer is one of the floor track's (its resume goes through here). */
  has(consumerId: string): boolean {
    return this.listeners.has(consumerId);
  }

  /** The venue's browser is ready for the floor track: it flows, unless the venue is on air. */
  async resume(consumerId: string): Promise<void> {
    const listener = this.listeners.get(consumerId);
    if (!listener) return;
    listener.wanted = true;
    if (listener.venueId !== this.onAir) await listener.consumer.resume();
  }

  /**
   * The floor moves: the new holder stops hearing the floor track before its microphone is put
   * on it (`switchProgram`), and the venue that held it hears the floor track again after.
   */
  async setOnAir(venueId: string, switchProgram: () => Promise<void>): Promise<void> {
    this.onAir = venueId;
    // A consumer closing under us (its venue leaving) needs nothing: never fail the floor change for it.
    await Promise.all(this.of(venueId).map(({ consumer }) => consumer.pause().catch(() => undefined)));
    await switchProgram();
    // Asked again meanwhile (the floor moved on): the newer call decides.
    if (this.onAir !== venueId) return;
    const held = [...this.listeners.values()].filter((l) => l.venueId !== venueId && l.wanted && l.consumer.paused && !l.consumer.closed);
    await Promise.all(held.map(({ consumer }) => consumer.resume().catch(() => undefined)));
  }

  private of(venueId: string): Listener[] {
    return [...this.listeners.values()].filter((l) => l.venueId === venueId && !l.consumer.closed);
  }
}

import type { Logger } from 'pino';
import type { DestinationStatus } from '@plenary/shared';
import { Restream, type DestinationSpec, type RestreamSource } from './restream';

/** What restreams need of a broadcast: its top video rendition and its original audio. */
export interface RestreamableBroadcast {
  renditions: readonly { name: string; hls: RestreamSource['video'] }[];
}

/**
 * A conference's restream destinations: one Restream each, all pushing the
 * room's broadcast while it runs (and waiting while it does not). The room owns
 * it; the owner's reconcile tells it the destinations as the conference has them.
 */
export class Restreams {
  private readonly destinations = new Map<string, Restream>();
  private source: RestreamSource | undefined;

  constructor(private readonly logger: Logger) {}

  /** The destinations as the conference has them: new ones start, removed ones stop. */
  async set(specs: readonly DestinationSpec[]): Promise<void> {
    const wanted = new Map(specs.map((spec) => [spec.id, spec]));
    const gone: Restream[] = [];
    for (const [id, restream] of this.destinations) {
      if (wanted.get(id)?.url === restream.url) continue;
      this.destinations.delete(id);
      gone.push(restream);
    }
    for (const spec of wanted.values()) {
      if (this.destinations.has(spec.id)) continue;
      const restream = new Restream(spec, this.logger);
      this.destinations.set(spec.id, restream);
      restream.follow(this.source);
    }
    await Promise.all(gone.map((restream) => restream.close()));
  }

  /** The broadcast to push (its top rendition and audio), or none while it is not running. */
  follow(broadcast: RestreamableBroadcast | undefined): void {
    const video = broadcast?.renditions[0]?.hls;
    const audio = broadcast?.renditions.find((r) => r.name === 'audio')?.hls;
    this.source = video && audio ? { video, audio } : undefined;
    for (const restream of this.destinations.values()) restream.follow(this.source);
  }

  /** Every destination's state, in the order they were added. */
  statuses(): DestinationStatus[] {
    return [...this.destinations.values()].map((restream) => restream.status());
  }

  async close(): Promise<void> {
    const all = [...this.destinations.values()];
    this.destinations.clear();
    await Promise.all(all.map((restream) => restream.close()));
  }
}

import { applyEvent } from './apply';
import type { VersionedEvent } from './events';
import type { ConferenceState } from './state';

/** What became of an event handed to the mirror. */
export type MirrorOutcome = 'applied' | 'stale' | 'buffered';

/**
 * A client's copy of a conference: a snapshot plus events applied strictly in
 * version order. Events that arrive early (another server process published
 * first) wait in a buffer; a gap that does not close means the client must ask
 * for a new snapshot (`hasGap`). Pure: timers and sockets belong to the caller.
 */
export class ConferenceMirror {
  private current: ConferenceState | undefined;
  private readonly early = new Map<number, VersionedEvent>();

  get state(): ConferenceState | undefined {
    return this.current;
  }

  /** True when events are waiting for a version that has not arrived. */
  get hasGap(): boolean {
    return this.early.size > 0;
  }

  /** Takes a full snapshot unless it is older than what we have. */
  reset(snapshot: ConferenceState): void {
    if (this.current && snapshot.version < this.current.version) return;
    this.current = snapshot;
    for (const version of this.early.keys()) if (version <= snapshot.version) this.early.delete(version);
    this.drain();
  }

  /** Applies an event if it is the next version, buffers it if it is early, ignores it if stale. */
  receive(versioned: VersionedEvent): MirrorOutcome {
    const have = this.current?.version;
    if (have === undefined || versioned.version > have + 1) {
      this.early.set(versioned.version, versioned);
      return 'buffered';
    }
    if (versioned.version <= have) return 'stale';
    this.apply(versioned);
    this.drain();
    return 'applied';
  }

  private apply(versioned: VersionedEvent): void {
    if (!this.current) return;
    this.current = applyEvent(this.current, versioned.event);
  }

  private drain(): void {
    for (;;) {
      const next = this.current && this.early.get(this.current.version + 1);
      if (!next) return;
      this.early.delete(next.version);
      this.apply(next);
    }
  }
}

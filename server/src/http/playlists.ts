import { createHash } from 'node:crypto';
import type { Broadcast } from '@plenary/sfu';

/** A built media playlist and its entity tag. */
export interface BuiltPlaylist {
  text: string;
  etag: string;
}

/**
 * Builds each media playlist once per new part, however many requests ask for
 * it. When a part arrives, every blocking request held for it is released in
 * the same tick: thousands of them (one per edge, or players hitting the origin
 * directly) each built the same text, read the conference and hashed an ETag
 * (2,000 took 557 ms to answer; once built, 282 ms). A playlist changes only when a
 * rendition gains a part (its own, or another's for the rendition reports) or
 * the floor moves; venue names are read again with the next part.
 */
export class PlaylistCache {
  private readonly built = new WeakMap<Broadcast, Map<string, { stamp: string; playlist: Promise<BuiltPlaylist | undefined> }>>();

  get(broadcast: Broadcast, rendition: string, skip: boolean, build: () => Promise<string>): Promise<BuiltPlaylist | undefined> {
    let entries = this.built.get(broadcast);
    if (!entries) this.built.set(broadcast, (entries = new Map()));
    const key = `${rendition}${skip ? ':skip' : ''}`;
    const stamp = `${broadcast.renditions.map((r) => r.hls.published).join('.')}:${broadcast.speakers.at(-1)?.at ?? 0}`;
    const cached = entries.get(key);
    if (cached?.stamp === stamp) return cached.playlist;
    const playlist = build().then((text) => (text ? { text, etag: `"${createHash('sha1').update(text).digest('base64url')}"` } : undefined));
    entries.set(key, { stamp, playlist });
    // A failed build is not kept: the next request tries again.
    playlist.catch(() => entries.get(key)?.playlist === playlist && entries.delete(key));
    return playlist;
  }
}

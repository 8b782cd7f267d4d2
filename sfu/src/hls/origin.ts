import { createHash } from 'node:crypto';
import { isRenditionName, isSubtitlesName, MEDIA_PLAYLIST, mediaType, parseObjectName } from './names';
import type { SubtitleRendition } from './captions';
import { lastPosition, mediaPlaylist, type DateRange } from './playlist';
import type { HlsRendition } from './rendition';

/**
 * What the origin answers about an object or a playlist, as an HTTP server
 * needs it: found; not yet (it is expected but did not arrive within the hold:
 * try again); not found (we never make it, or it left the window); or an
 * invalid request (asks for something too far ahead to wait for).
 */
export type Lookup<T> =
  | { status: 'found'; value: T }
  | { status: 'not-yet'; reason: string }
  | { status: 'not-found'; reason: string }
  | { status: 'invalid'; reason: string };

/** A media object's bytes and its content type (immutable once made). */
export interface MediaFile {
  bytes: Buffer;
  contentType: string;
}

/** A built media playlist and its entity tag. */
export interface BuiltPlaylist {
  text: string;
  etag: string;
}

/** A playlist request: `_HLS_msn`, `_HLS_part` (blocking reload) and `_HLS_skip` (delta update). */
export interface PlaylistRequest {
  msn?: number;
  part?: number;
  skip: boolean;
}

export interface OriginOptions {
  /** Seconds. */
  partTarget: number;
  /** Seconds. */
  segmentTarget: number;
  /** The multivariant playlist. */
  multivariant: () => string;
  /** The floor changes, as timed metadata (a handful: compared whole to see if they changed). */
  dateRanges: () => DateRange[];
  /** The captions channels' subtitles renditions, as they are now (channels come and go). */
  subtitles?: () => readonly SubtitleRendition[];
}

/** How a blocked request waits: at most `limitMs`, and `holding` wraps the wait (metrics count held requests). */
export interface Hold {
  limitMs: number;
  holding?: <T>(wait: Promise<T>) => Promise<T>;
}

const found = <T>(value: T): Lookup<T> => ({ status: 'found', value });
const notFound = <T>(reason: string): Lookup<T> => ({ status: 'not-found', reason });
const notYet = <T>(reason: string): Lookup<T> => ({ status: 'not-yet', reason });

/**
 * The live broadcast as an HTTP origin sees it, and nothing more: a playlist
 * for {msn, part, skip} and an object by name (as OvenMediaEngine's LL-HLS
 * stream answers GetChunklist / GetSegment / GetChunk). Blocking reloads and
 * hinted parts are held here until they exist. Each media playlist is built
 * once per new part, however many requests ask for it: when a part arrives,
 * every request held for it is let go together, and thousands of them each
 * built the same text and hashed an ETag (2,000 took 557 ms to answer; built
 * once, 282 ms).
 */
export class BroadcastOrigin {
  private readonly built = new Map<string, { stamp: string; playlist: BuiltPlaylist | undefined }>();

  /** `renditions`: the broadcast's media renditions as they are now (interpretation channels come and go). */
  constructor(
    private readonly renditionsNow: () => readonly HlsRendition[],
    private readonly options: OriginOptions,
  ) {}

  private get renditions(): readonly HlsRendition[] {
    return this.renditionsNow();
  }

  multivariant(): string {
    return this.options.multivariant();
  }

  /** A rendition's media playlist, once the request's part exists (held up to the limit). */
  async playlist(renditionName: string, request: PlaylistRequest, hold: Hold): Promise<Lookup<BuiltPlaylist>> {
    // A captions channel's playlist follows its leader's parts and numbers: it waits as the leader's does.
    const subtitles = this.subtitlesOf(renditionName);
    const rendition = subtitles ? subtitles.timeline : this.rendition(renditionName);
    if (!rendition) return notFound('No such rendition');
    const wait = hold.holding ?? ((promise) => promise);
    if (request.msn !== undefined) {
      const live = lastPosition(rendition);
      // A request too far ahead of the live edge is a client error, not something to wait for.
      if (live && request.msn > live.msn + 2) return { status: 'invalid', reason: '_HLS_msn is too far ahead of the live edge' };
      // Without _HLS_part the whole segment must be complete: the next one has started.
      const ready = await wait(request.part === undefined ? rendition.waitFor(request.msn + 1, 0, hold.limitMs) : rendition.waitFor(request.msn, request.part, hold.limitMs));
      if (!ready) return notYet('The requested part did not arrive in time');
    }
    // A broadcast just started (a takeover): until its first segment is complete its playlist lists
    // only parts, which players take for an empty playlist (hls.js: levelEmptyError, fatal after a
    // few tries; measured on the audio rendition after a takeover). Wait for it as for any other part.
    if (!lastPosition(rendition)) await wait(rendition.waitFor(0, 0, hold.limitMs));
    const first = rendition.window[0];
    if (first && !first.complete) await wait(rendition.waitFor(first.msn + 1, 0, hold.limitMs));
    const playlist = this.build(rendition, request.skip, subtitles?.name);
    return playlist ? found(playlist) : notYet('The broadcast has not produced anything yet');
  }

  /** An init segment, a part or a segment by its name; the hinted next part is held until it exists. */
  async object(renditionName: string, name: string, hold: Hold): Promise<Lookup<MediaFile>> {
    const subtitles = this.subtitlesOf(renditionName);
    if (subtitles) return this.captionsObject(subtitles, name, hold);
    const rendition = this.rendition(renditionName);
    const object = parseObjectName(name);
    if (!rendition || !object || (object.kind !== 'init' && object.format !== 'm4s')) return notFound('Not produced');
    let bytes: Buffer | undefined;
    if (object.kind === 'init') bytes = rendition.initFor(object.version);
    else if (object.kind === 'segment') bytes = rendition.segmentAt(object.msn)?.bytes;
    else {
      await this.holdHinted(rendition, object.msn, object.index, hold);
      bytes = rendition.part(object.msn, object.index)?.bytes;
    }
    return bytes ? found({ bytes, contentType: mediaType(rendition.name) }) : notFound('Not produced');
  }

  /** A captions channel's WebVTT part or segment, once its leader has that part (the hinted one is held). */
  private async captionsObject(subtitles: SubtitleRendition, name: string, hold: Hold): Promise<Lookup<MediaFile>> {
    const object = parseObjectName(name);
    if (!object || object.kind === 'init' || object.format !== 'vtt') return notFound('Not produced');
    let bytes: Buffer | undefined;
    if (object.kind === 'segment') bytes = subtitles.segment(object.msn);
    else {
      await this.holdHinted(subtitles.timeline, object.msn, object.index, hold);
      bytes = subtitles.part(object.msn, object.index);
    }
    return bytes ? found({ bytes, contentType: mediaType(subtitles.name) }) : notFound('Not produced');
  }

  /** The preload hint names the next part before it exists: a request for it is held until it does. */
  private async holdHinted(rendition: HlsRendition, msn: number, index: number, hold: Hold): Promise<void> {
    const next = rendition.nextPart();
    if (rendition.part(msn, index) || next?.msn !== msn || next.part !== index) return;
    await (hold.holding ?? ((wait) => wait))(rendition.waitFor(msn, index, hold.limitMs));
  }

  private rendition(name: string): HlsRendition | undefined {
    return isRenditionName(name) ? this.renditions.find((r) => r.name === name) : undefined;
  }

  private subtitlesOf(name: string): SubtitleRendition | undefined {
    return isSubtitlesName(name) ? this.options.subtitles?.().find((track) => track.name === name) : undefined;
  }

  /** The playlist as of now: the same as last time unless a rendition gained a part or the floor moved. */
  private build(rendition: HlsRendition, skip: boolean, subtitlesName?: string): BuiltPlaylist | undefined {
    const key = `${subtitlesName ?? rendition.name}${skip ? ':skip' : ''}`;
    // Other renditions' parts count too: the playlist reports where they stand.
    const dateRanges = this.options.dateRanges();
    const stamp = `${this.renditions.map((r) => r.published).join('.')}:${JSON.stringify(dateRanges)}`;
    const cached = this.built.get(key);
    if (cached?.stamp === stamp) return cached.playlist;
    const text = mediaPlaylist(rendition, {
      partTarget: this.options.partTarget,
      segmentTarget: this.options.segmentTarget,
      others: this.renditions.filter((r) => subtitlesName !== undefined || r !== rendition).map((r) => ({ uri: `../${r.name}/${MEDIA_PLAYLIST}`, rendition: r })),
      skip,
      dateRanges,
      subtitles: subtitlesName !== undefined,
    });
    const playlist = text ? { text, etag: `"${createHash('sha1').update(text).digest('base64url')}"` } : undefined;
    this.built.set(key, { stamp, playlist });
    return playlist;
  }
}

/**
 * The names of a broadcast's HLS objects, in one place: the live playlists
 * write them, the recording writes them to disk, and the origin reads them
 * back from request paths. Anything that does not parse here is not ours.
 */

/**
 * A rendition's name: a video rung, the audio, an interpretation channel's audio
 * (`in-<language>`), or a captions channel (`cc-<language>`, WebVTT).
 */
const RENDITION = /^(1080p|720p|480p|360p|240p|audio|in-[a-z]{2,3}|cc-[a-z]{2,3})$/;
const SUBTITLES = /^cc-[a-z]{2,3}$/;
// Media sequence numbers start from the clock (seconds since 1970, ten digits today): see Broadcast.
const OBJECT = /^(?:init-(\d{1,6})\.mp4|part-(\d{1,12})-(\d{1,3})\.(m4s|vtt)|segment-(\d{1,12})\.(m4s|vtt))$/;

/** How a rendition's parts and segments are written: fragmented MP4, or WebVTT text (captions). */
export type ObjectFormat = 'm4s' | 'vtt';

/** One media object of a rendition. */
export type MediaObject =
  | { kind: 'init'; version: number }
  | { kind: 'part'; msn: number; index: number; format: ObjectFormat }
  | { kind: 'segment'; msn: number; format: ObjectFormat };

export const initName = (version: number) => `init-${version}.mp4`;
export const partName = (msn: number, index: number, format: ObjectFormat = 'm4s') => `part-${msn}-${index}.${format}`;
export const segmentName = (msn: number, format: ObjectFormat = 'm4s') => `segment-${msn}.${format}`;
/** Every rendition's playlist, live or recorded, has this name in the rendition's folder. */
export const MEDIA_PLAYLIST = 'index.m3u8';
export const MULTIVARIANT_PLAYLIST = 'master.m3u8';
/** A recording's chapters (one per speech), next to its multivariant playlist. */
export const CHAPTERS = 'chapters.json';

export function isRenditionName(name: string): boolean {
  return RENDITION.test(name);
}

/** Whether a rendition is a captions channel (WebVTT objects, no init segment). */
export function isSubtitlesName(name: string): boolean {
  return SUBTITLES.test(name);
}

/** The object a file name stands for; undefined for any name we never write. */
export function parseObjectName(name: string): MediaObject | undefined {
  const match = OBJECT.exec(name);
  if (!match) return undefined;
  const [, version, partMsn, index, partFormat, segmentMsn, segmentFormat] = match;
  if (version !== undefined) return { kind: 'init', version: Number(version) };
  if (segmentMsn !== undefined) return { kind: 'segment', msn: Number(segmentMsn), format: segmentFormat as ObjectFormat };
  return { kind: 'part', msn: Number(partMsn), index: Number(index), format: partFormat as ObjectFormat };
}

/** The content type of a rendition's media objects. */
export function mediaType(rendition: string): string {
  if (isSubtitlesName(rendition)) return 'text/vtt; charset=utf-8';
  return rendition === 'audio' || rendition.startsWith('in-') ? 'audio/mp4' : 'video/mp4';
}

/** HLS seconds: up to five decimals, at least one. */
export function seconds(s: number): string {
  return s.toFixed(5).replace(/0+$/, '').replace(/\.$/, '.0');
}

/**
 * The names of a broadcast's HLS objects, in one place: the live playlists
 * write them, the recording writes them to disk, and the origin reads them
 * back from request paths. Anything that does not parse here is not ours.
 */

/** A rendition's name: a video rung or the audio. */
const RENDITION = /^(1080p|720p|480p|360p|240p|audio)$/;
// Media sequence numbers start from the clock (seconds since 1970, ten digits today): see Broadcast.
const OBJECT = /^(?:init-(\d{1,6})\.mp4|part-(\d{1,12})-(\d{1,3})\.m4s|segment-(\d{1,12})\.m4s)$/;

/** One media object of a rendition. */
export type MediaObject = { kind: 'init'; version: number } | { kind: 'part'; msn: number; index: number } | { kind: 'segment'; msn: number };

export const initName = (version: number) => `init-${version}.mp4`;
export const partName = (msn: number, index: number) => `part-${msn}-${index}.m4s`;
export const segmentName = (msn: number) => `segment-${msn}.m4s`;
/** Every rendition's playlist, live or recorded, has this name in the rendition's folder. */
export const MEDIA_PLAYLIST = 'index.m3u8';
export const MULTIVARIANT_PLAYLIST = 'master.m3u8';

export function isRenditionName(name: string): boolean {
  return RENDITION.test(name);
}

/** The object a file name stands for; undefined for any name we never write. */
export function parseObjectName(name: string): MediaObject | undefined {
  const match = OBJECT.exec(name);
  if (!match) return undefined;
  const [, version, partMsn, index, segmentMsn] = match;
  if (version !== undefined) return { kind: 'init', version: Number(version) };
  if (segmentMsn !== undefined) return { kind: 'segment', msn: Number(segmentMsn) };
  return { kind: 'part', msn: Number(partMsn), index: Number(index) };
}

/** The content type of a rendition's media objects. */
export function mediaType(rendition: string): string {
  return rendition === 'audio' ? 'audio/mp4' : 'video/mp4';
}

/** HLS seconds: up to five decimals, at least one. */
export function seconds(s: number): string {
  return s.toFixed(5).replace(/0+$/, '').replace(/\.$/, '.0');
}

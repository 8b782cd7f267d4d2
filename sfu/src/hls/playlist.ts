import type { HlsRendition, Segment } from './rendition';
import type { CaptionTrackInfo } from './captions';
import { initName, MEDIA_PLAYLIST, partName, seconds, segmentName, type ObjectFormat } from './names';

export interface PlaylistOptions {
  /** Seconds; parts are at most about this long. */
  partTarget: number;
  /** Seconds. */
  segmentTarget: number;
  /** Other renditions, for EXT-X-RENDITION-REPORT (URIs relative to this playlist). */
  others?: { uri: string; rendition: HlsRendition }[];
  /** `_HLS_skip=YES`: replace older segments with EXT-X-SKIP (delta update). */
  skip?: boolean;
  /** Timed metadata (EXT-X-DATERANGE), e.g. who speaks from when. */
  dateRanges?: DateRange[];
  /**
   * WebVTT: the playlist of a captions channel, in step with this (video) rendition's parts and
   * numbers, naming .vtt objects and no init segment.
   */
  subtitles?: boolean;
}

/** One EXT-X-DATERANGE: an id, a start (ms since the epoch), a class, and X- client attributes. */
export interface DateRange {
  id: string;
  className: string;
  startDate: number;
  attributes: Record<string, string>;
}

const quoted = (value: string) => `"${value.replace(/["\r\n]/g, ' ')}"`;


/** Where a rendition stands: its last segment and the parts it has so far. */
export function lastPosition(rendition: HlsRendition): { msn: number; part: number } | undefined {
  const last = rendition.window[rendition.window.length - 1];
  return last && { msn: last.msn, part: last.parts.length - 1 };
}

/**
 * A segment's part durations as the playlist prints them (five decimals): each is the
 * difference of its rounded start and end within the segment, so the printed parts add up to
 * the printed EXTINF. Rounded one by one, three 1/3 s parts print 0.33333 each, a 2 s segment's
 * six fall 20 us short of its 2.0, and hls.js (which counts a subtitles segment loaded only
 * when its parts reach its end, within 1 us) never went past the first segment it loaded.
 */
export function printedDurations(parts: readonly { duration: number }[]): { parts: number[]; segment: number } {
  const at = (seconds: number) => Math.round(seconds * 1e5);
  let elapsed = 0;
  const printed = parts.map((part) => {
    const from = at(elapsed);
    elapsed += part.duration;
    return (at(elapsed) - from) / 1e5;
  });
  return { parts: printed, segment: at(elapsed) / 1e5 };
}

/**
 * The LL-HLS media playlist of a rendition (RFC 8216bis): complete segments with
 * their parts for the last few target durations, the growing segment's parts, a
 * preload hint for the next part, server control for blocking reloads and delta
 * updates, program date times, and reports of the other renditions. Plain HLS
 * clients ignore the part tags and play the segments.
 */
export function mediaPlaylist(rendition: HlsRendition, options: PlaylistOptions): string {
  const segments = rendition.window;
  const first = segments[0];
  if (!first) return '';
  const format: ObjectFormat = options.subtitles ? 'vtt' : 'm4s';
  const partTarget = Math.max(options.partTarget, Math.ceil(rendition.maxPartDuration * 1000) / 1000);
  const targetDuration = Math.max(Math.round(options.segmentTarget), ...segments.filter((s) => s.complete).map((s) => Math.round(s.duration)));
  const skipUntil = 6 * targetDuration;
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:9',
    `#EXT-X-TARGETDURATION:${targetDuration}`,
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${seconds(3 * partTarget)},CAN-SKIP-UNTIL=${seconds(skipUntil)}`,
    `#EXT-X-PART-INF:PART-TARGET=${seconds(partTarget)}`,
    `#EXT-X-MEDIA-SEQUENCE:${first.msn}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${rendition.discontinuitySequence}`,
  ];

  // Delta update: segments older than CAN-SKIP-UNTIL from the end are summarised by EXT-X-SKIP.
  const total = segments.reduce((sum, s) => sum + s.duration, 0);
  let skipped = 0;
  if (options.skip) {
    let age = total;
    for (const segment of segments) {
      if (age - segment.duration < skipUntil || !segment.complete) break;
      age -= segment.duration;
      skipped++;
    }
    // Never skip a segment that starts a discontinuity: its tag must stay visible.
    while (skipped > 0 && segments.slice(0, skipped).some((s) => s.discontinuity)) skipped--;
  }
  if (skipped > 0) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skipped}`);
  // Date ranges that began before the window are still listed while they are in force: the
  // latest of each class (who speaks, and the sign-language picture, each their own). Each ends
  // where the next of its class begins, so a player's metadata cue changes with the picture.
  const windowStart = (segments[skipped] ?? first).programDateTime;
  const ranges = [...(options.dateRanges ?? [])].sort((a, b) => a.startDate - b.startDate);
  const inForce = new Map(ranges.filter((r) => r.startDate <= windowStart).map((r) => [r.className, r]));
  for (const range of ranges.filter((r) => inForce.get(r.className) === r || r.startDate > windowStart)) {
    const attributes = Object.entries(range.attributes).map(([key, value]) => `,X-${key.toUpperCase()}=${quoted(value)}`).join('');
    lines.push(`#EXT-X-DATERANGE:ID=${quoted(range.id)},CLASS=${quoted(range.className)},START-DATE=${quoted(new Date(range.startDate).toISOString())},END-ON-NEXT=YES${attributes}`);
  }

  // Parts are listed only for segments that start within the last three target durations: the
  // spec asks for parts older than that to be removed (a segment straddling the line had parts
  // further back, and independent parsers refused the playlist).
  const partsFrom = total - 3 * targetDuration;
  let elapsed = 0;
  let mappedVersion = -1;
  segments.forEach((segment: Segment, i) => {
    const start = elapsed;
    elapsed += segment.duration;
    if (i < skipped) {
      mappedVersion = segment.initVersion;
      return;
    }
    if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (!options.subtitles && segment.initVersion !== mappedVersion) {
      lines.push(`#EXT-X-MAP:URI="${initName(segment.initVersion)}"`);
      mappedVersion = segment.initVersion;
    }
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.programDateTime).toISOString()}`);
    const printed = printedDurations(segment.parts);
    if (start >= partsFrom - 0.001 || !segment.complete) {
      segment.parts.forEach((part, index) => {
        lines.push(`#EXT-X-PART:DURATION=${seconds(printed.parts[index] as number)},URI="${partName(segment.msn, index, format)}"${part.independent || options.subtitles ? ',INDEPENDENT=YES' : ''}`);
      });
    }
    if (segment.gap) lines.push('#EXT-X-GAP', `#EXTINF:${seconds(segment.duration)},`, segmentName(segment.msn, format));
    else if (segment.complete) lines.push(`#EXTINF:${seconds(printed.segment)},`, segmentName(segment.msn, format));
  });

  const next = rendition.nextPart();
  if (next) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${partName(next.msn, next.part, format)}"`);
  for (const other of options.others ?? []) {
    const position = lastPosition(other.rendition);
    if (position) lines.push(`#EXT-X-RENDITION-REPORT:URI="${other.uri}",LAST-MSN=${position.msn},LAST-PART=${position.part}`);
  }
  return `${lines.join('\n')}\n`;
}


/** A rendition as the multivariant playlist lists it. */
export interface VariantInfo {
  name: string;
  width: number;
  height: number;
  bitrate: number;
  codecs: string;
}

/**
 * The multivariant playlist: one variant per video rendition (BANDWIDTH as peak,
 * AVERAGE-BANDWIDTH, CODECS, RESOLUTION, FRAME-RATE) sharing one audio group,
 * with the original sound (the default) and one alternate per interpretation channel,
 * and one subtitles group with a rendition per captions channel (off by default).
 */
export function multivariantPlaylist(variants: VariantInfo[], audioBitrate: number, audioCodecs: string, captions: readonly CaptionTrackInfo[] = [], interpretation: readonly CaptionTrackInfo[] = []): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Program",LANGUAGE="und",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/${MEDIA_PLAYLIST}"`];
  for (const channel of interpretation) {
    // AUTOSELECT=NO: a player must not pick an interpretation for a viewer by the device's language; the viewer chooses.
    lines.push(`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME=${quoted(channel.name)},LANGUAGE="${channel.language}",DEFAULT=NO,AUTOSELECT=NO,CHANNELS="2",URI="${channel.id}/${MEDIA_PLAYLIST}"`);
  }
  for (const track of captions) {
    lines.push(`#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME=${quoted(track.name)},LANGUAGE="${track.language}",DEFAULT=NO,AUTOSELECT=NO,FORCED=NO,URI="${track.id}/${MEDIA_PLAYLIST}"`);
  }
  const subtitles = captions.length > 0 ? ',SUBTITLES="subs"' : '';
  for (const variant of variants) {
    const average = variant.bitrate + audioBitrate;
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${Math.round(average * 1.2)},AVERAGE-BANDWIDTH=${average},CODECS="${variant.codecs},${audioCodecs}",RESOLUTION=${variant.width}x${variant.height},FRAME-RATE=30.000,AUDIO="audio"${subtitles}`,
      `${variant.name}/${MEDIA_PLAYLIST}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

import type { HlsRendition } from '@plenary/sfu';

/**
 * How far (ms) the newest packaged media of a rendition trails real time: the end of its newest
 * segment's program date time against now. The origin's side of a viewer's latency or stall.
 */
export function behindRealTime(rendition: HlsRendition): number | undefined {
  const newest = rendition.window[rendition.window.length - 1];
  return newest && Date.now() - (newest.programDateTime + newest.duration * 1000);
}

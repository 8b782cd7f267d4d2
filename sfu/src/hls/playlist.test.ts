import * as HLS from 'hls-parser';
import { encodeLadderLike } from '../test/encode';
import { mediaPlaylist, type DateRange } from './playlist';
import { HlsRendition } from './rendition';

describe('the media playlist\'s timed metadata: who speaks and the sign-language picture', () => {
  let chunks: Buffer[];
  let video: HlsRendition;

  beforeAll(async () => {
    chunks = await encodeLadderLike();
  });

  beforeEach(() => {
    // A short window (two segments) so that ranges begin before it.
    video = new HlsRendition('360p', { segmentTarget: 2, windowSegments: 2 });
    for (const chunk of chunks) video.write(chunk);
  });

  afterEach(() => video.close());

  const speaker = (at: number, name: string): DateRange => ({ id: `speaker-${at}`, className: 'com.plenary.speaker', startDate: at, attributes: { 'venue-id': name.toLowerCase(), 'venue-name': name } });
  const sign = (at: number, state: 'on' | 'off'): DateRange => ({ id: `sign-${at}`, className: 'com.plenary.sign-language', startDate: at, attributes: { state } });
  it('keeps the current speaker\'s range in the window when the sign-language picture came on after it, both before the window', () => {
    const windowStart = video.window[0]?.programDateTime as number;
    const text = mediaPlaylist(video, { partTarget: 0.5, segmentTarget: 2, dateRanges: [speaker(windowStart - 60_000, 'Changchun'), speaker(windowStart - 30_000, 'Siping'), sign(windowStart - 10_000, 'on')] });
    const ranges = [...text.matchAll(/#EXT-X-DATERANGE:(.*)/g)].map((m) => m[1] as string);
    // A viewer who joins now sees "Siping" speaking and the corner on; the earlier speaker is gone.
    expect(ranges.filter((r) => r.includes('com.plenary.speaker'))).toEqual([expect.stringContaining('X-VENUE-NAME="Siping"')]);
    expect(ranges.filter((r) => r.includes('com.plenary.sign-language'))).toEqual([expect.stringContaining('X-STATE="on"')]);
  });

  it('lists every range that began within the window, each ending where the next of its class begins (END-ON-NEXT)', () => {
    const windowStart = video.window[0]?.programDateTime as number;
    const text = mediaPlaylist(video, { partTarget: 0.5, segmentTarget: 2, dateRanges: [speaker(windowStart - 5_000, 'Changchun'), speaker(windowStart + 500, 'Yanji'), sign(windowStart + 700, 'off')] });
    const ranges = [...text.matchAll(/#EXT-X-DATERANGE:(.*)/g)].map((m) => m[1] as string);
    expect(ranges).toHaveLength(3);
    for (const range of ranges) expect(range).toContain('END-ON-NEXT=YES');
    // An independent parser reads them (CLASS is there, as END-ON-NEXT requires).
    const parsed = HLS.parse(text) as HLS.types.MediaPlaylist;
    expect(parsed.segments.length).toBeGreaterThan(0);
  });
});

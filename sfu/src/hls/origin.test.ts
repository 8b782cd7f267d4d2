import * as HLS from 'hls-parser';
import { HlsRendition } from './rendition';
import { BroadcastOrigin, type Lookup } from './origin';
import { encodeLadderLike } from '../test/encode';

const valueOf = <T>(lookup: Lookup<T>): T => {
  if (lookup.status !== 'found') throw new Error(`expected found, got ${lookup.status}: ${lookup.reason}`);
  return lookup.value;
};

describe('the broadcast as an origin sees it', () => {
  let chunks: Buffer[];
  let video: HlsRendition;
  let origin: BroadcastOrigin;
  const hold = { limitMs: 60_000 };
  const names: Record<string, string> = {};

  beforeAll(async () => {
    chunks = await encodeLadderLike();
  });

  beforeEach(() => {
    video = new HlsRendition('360p', { segmentTarget: 2, windowSegments: 10 });
    const speakers = () => Object.entries(names).map(([id, name], i) => ({ id: `speaker-${i}`, className: 'com.plenary.speaker', startDate: 1_000 * i, attributes: { 'venue-id': id, 'venue-name': name } }));
    origin = new BroadcastOrigin(() => [video], { partTarget: 0.5, segmentTarget: 2, multivariant: () => '#EXTM3U\n', dateRanges: speakers });
  });

  afterEach(() => video.close());

  it('answers a part, a segment and the init by name, and builds a segment\'s bytes once', async () => {
    for (const chunk of chunks) video.write(chunk);
    const init = valueOf(await origin.object('360p', 'init-0.mp4', hold));
    expect(init.contentType).toBe('video/mp4');
    const segment = valueOf(await origin.object('360p', 'segment-0.m4s', hold));
    const parts = await Promise.all([0, 1, 2, 3].map(async (i) => valueOf(await origin.object('360p', `part-0-${i}.m4s`, hold)).bytes));
    // The segment is its parts, one after another; and the parts are views into it (each byte held once).
    expect(Buffer.concat(parts).equals(segment.bytes)).toBe(true);
    expect(parts.every((part) => part.buffer === segment.bytes.buffer)).toBe(true);
    // Asked twice, the same bytes: not concatenated again per request.
    expect(valueOf(await origin.object('360p', 'segment-0.m4s', hold)).bytes).toBe(segment.bytes);
  });

  it('says "not found" for names it never makes and for other renditions, without waiting', async () => {
    for (const chunk of chunks) video.write(chunk);
    for (const [rendition, name] of [['360p', 'segment-0.ts'], ['360p', '../secret'], ['720p', 'init-0.mp4'], ['360p', 'part-999-0.m4s'], ['audio', 'index.m3u8']]) {
      expect((await origin.object(rendition as string, name as string, hold)).status).toBe('not-found');
    }
    expect((await origin.playlist('720p', { skip: false }, hold)).status).toBe('not-found');
    // The growing segment is not a segment yet.
    const last = video.window[video.window.length - 1];
    expect((await origin.object('360p', `segment-${last?.msn}.m4s`, hold)).status).toBe('not-found');
  });

  it('holds the hinted next part until it exists, and a blocking reload until its part is listed', async () => {
    const half = Math.floor(chunks.length / 2);
    for (const chunk of chunks.slice(0, half)) video.write(chunk);
    const next = video.nextPart();
    if (!next) throw new Error('nothing packaged from the first half');
    const part = origin.object('360p', `part-${next.msn}-${next.part}.m4s`, hold);
    const playlist = origin.playlist('360p', { msn: next.msn, part: next.part, skip: false }, hold);
    for (const chunk of chunks.slice(half)) video.write(chunk);
    expect(valueOf(await part).bytes.length).toBeGreaterThan(0);
    // The part is listed, or (once more than three target durations came after it) its whole segment is.
    // How far the second half goes depends on where the encoder's output was cut into chunks.
    const text = valueOf(await playlist).text;
    expect(text.includes(`URI="part-${next.msn}-${next.part}.m4s"`) || text.includes(`\nsegment-${next.msn}.m4s`)).toBe(true);
  });

  it('answers "not yet" when a part does not come within the hold, and "invalid" far past the live edge', async () => {
    for (const chunk of chunks) video.write(chunk);
    const live = video.window[video.window.length - 1];
    const waited = await origin.playlist('360p', { msn: live?.msn as number, part: 9, skip: false }, { limitMs: 20 });
    expect(waited).toMatchObject({ status: 'not-yet' });
    expect(await origin.playlist('360p', { msn: (live?.msn as number) + 3, skip: false }, hold)).toMatchObject({ status: 'invalid' });
  });

  it('builds a playlist once per new part, with the venues\' names as they are now, which a parser reads as LL-HLS', async () => {
    for (const chunk of chunks) video.write(chunk);
    names.main = 'Changchun main venue';
    const first = valueOf(await origin.playlist('360p', { skip: false }, hold));
    expect(valueOf(await origin.playlist('360p', { skip: false }, hold))).toBe(first);
    expect(first.text).toContain('X-VENUE-NAME="Changchun main venue"');
    const parsed = HLS.parse(first.text) as HLS.types.MediaPlaylist;
    expect(parsed.lowLatencyCompatibility).toMatchObject({ canBlockReload: true, partHoldBack: 1.5 });
    // Parts only within the last three target durations: of five segments, the first two have none.
    expect(parsed.segments).toHaveLength(5);
    expect(parsed.segments.slice(0, -3).every((segment) => segment.parts.length === 0)).toBe(true);
    // A renamed venue changes the playlist (and its ETag) though no part came.
    names.main = 'Main venue, Changchun';
    const renamed = valueOf(await origin.playlist('360p', { skip: false }, hold));
    expect(renamed.etag).not.toBe(first.etag);
    expect(renamed.text).toContain('X-VENUE-NAME="Main venue, Changchun"');
  });
});

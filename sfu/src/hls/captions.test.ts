import { readFileSync } from 'node:fs';
import * as HLS from 'hls-parser';
import { WebVTTParser, type ParsedCue } from 'webvtt-parser';
import { encodeLadderLike } from '../test/encode';
import { SubtitleRendition } from './captions';
import { BroadcastOrigin, type Lookup } from './origin';
import { multivariantPlaylist } from './playlist';
import { HlsRendition } from './rendition';

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);
// The parser's full set of named character references (&amp;, &lt;, ...), as the spec has them.
const entities = JSON.parse(readFileSync(require.resolve('webvtt-parser/html-entities.json'), 'utf8')) as Record<string, string>;
const hold = { limitMs: 1000 };
const valueOf = <T>(lookup: Lookup<T>): T => {
  if (lookup.status !== 'found') throw new Error(`expected found, got ${lookup.status}: ${lookup.reason}`);
  return lookup.value;
};

/** A WebVTT file as the W3C parser reads it, with the HLS timestamp map it starts with. */
function parseVtt(text: string): { cues: ParsedCue[]; mpegts: number; local: number } {
  const tree = new WebVTTParser(entities).parse(text, 'subtitles');
  // The one "error": X-TIMESTAMP-MAP is HLS's header line, which the W3C validator does not know.
  expect(tree.errors.filter((e) => !/blank line after the signature/.test(e.message))).toEqual([]);
  const map = /^X-TIMESTAMP-MAP=MPEGTS:(\d+),LOCAL:(\d\d):(\d\d):(\d\d)\.(\d{3})$/m.exec(text);
  if (!map) throw new Error(`no X-TIMESTAMP-MAP in ${text}`);
  const [, mpegts, h, m, s, ms] = map.map(Number) as number[];
  return { cues: tree.cues, mpegts: mpegts as number, local: (h as number) * 3600 + (m as number) * 60 + (s as number) + (ms as number) / 1000 };
}

describe('a captions channel as a WebVTT rendition in step with the video', () => {
  let video: HlsRendition;
  let captions: SubtitleRendition;
  let origin: BroadcastOrigin;

  beforeAll(async () => {
    const chunks = await encodeLadderLike();
    video = new HlsRendition('360p', { segmentTarget: 2, windowSegments: 10 });
    // The program's media time 0 was at T0: a line said at T0 + 3 s belongs at media time 3 s.
    video.setTimelineOrigin(T0);
    captions = new SubtitleRendition({ id: 'cc-zh', language: 'zh', name: '中文' }, video);
    origin = new BroadcastOrigin(() => [video], { partTarget: 0.5, segmentTarget: 2, multivariant: () => '', dateRanges: () => [], subtitles: () => [captions] });
    for (const chunk of chunks) video.write(chunk);
    captions.add({ at: T0 + 3000, text: '各位代表，上午好' });
    captions.add({ at: T0 + 5200, text: '<script>alert(1)</script> & more' });
  });
  afterAll(() => video.close());

  it('has the video\'s media sequence numbers and parts, part for part, in WebVTT', async () => {
    const subtitles = HLS.parse(valueOf(await origin.playlist('cc-zh', { skip: false }, hold)).text) as HLS.types.MediaPlaylist;
    const pictures = HLS.parse(valueOf(await origin.playlist('360p', { skip: false }, hold)).text) as HLS.types.MediaPlaylist;
    expect(subtitles.mediaSequenceBase).toBe(pictures.mediaSequenceBase);
    expect(subtitles.segments.map((s) => [s.mediaSequenceNumber, s.duration, s.parts.length])).toEqual(pictures.segments.map((s) => [s.mediaSequenceNumber, s.duration, s.parts.length]));
    expect(subtitles.segments.flatMap((s) => s.parts.map((p) => p.duration))).toEqual(pictures.segments.flatMap((s) => s.parts.map((p) => p.duration)));
    expect(subtitles.segments.filter((s) => s.map)).toEqual([]);
    expect(subtitles.segments.flatMap((s) => [s.uri, ...s.parts.map((p) => p.uri)]).filter((uri) => uri && !uri.endsWith('.vtt'))).toEqual([]);
    expect(subtitles.prefetchSegments.length + subtitles.segments.length).toBeGreaterThan(0);
  });

  it('times each line to the picture it was said over, through a timestamp map on the video\'s timeline', async () => {
    const shown: { text: string; media: number; end: number }[] = [];
    for (const segment of video.window) {
      segment.parts.forEach((_part, index) => {
        const file = captions.part(segment.msn, index);
        if (!file) throw new Error('a part of the video has no captions part');
        const { cues, mpegts, local } = parseVtt(file.toString('utf8'));
        // The map ties LOCAL to the same instant of the video's media time, the same way in every part.
        expect({ mpegts, local }).toEqual({ mpegts: 900000, local: 10 });
        for (const cue of cues) {
          const offset = mpegts / 90000 - local;
          shown.push({ text: cue.tree.children.map((c) => c.value ?? '').join(''), media: cue.startTime + offset, end: cue.endTime + offset });
        }
      });
    }
    const first = video.window[0]?.parts[0]?.startTime as number;
    const greeting = shown.filter((cue) => cue.text === '各位代表，上午好');
    // In every part it overlaps (about 2.2 s until the next line, so 4 or 5 parts), always at media time 3 s.
    expect(greeting.length).toBeGreaterThanOrEqual(4);
    for (const cue of greeting) expect(cue.media).toBeCloseTo(first + 3, 2);
    // Every copy with the same times, the next line or not: players keep one (a copy made before
    // the next line came, and one after, were shown side by side).
    expect(new Set(greeting.map((cue) => cue.end.toFixed(3))).size).toBe(1);
  });

  it('gives a line the same times in a part made before the next line came as in one made after', () => {
    const track = new SubtitleRendition({ id: 'cc-en', language: 'en', name: 'English' }, video);
    const ends = () => video.window.flatMap((segment) => segment.parts.flatMap((_, index) => {
      const { cues, mpegts, local } = parseVtt((track.part(segment.msn, index) as Buffer).toString('utf8'));
      return cues.filter((cue) => cue.text === 'Good morning').map((cue) => (cue.endTime - local + mpegts / 90000).toFixed(3));
    }));
    track.add({ at: T0 + 3000, text: 'Good morning' });
    const before = new Set(ends());
    track.add({ at: T0 + 4000, text: 'The session is open' });
    expect(new Set([...before, ...ends()]).size).toBe(1);
  });

  it('carries a line as plain text: markup in it is shown, never run', () => {
    const segment = video.window.find((s) => s.complete && s.programDateTime <= T0 + 5200 && T0 + 5200 < s.programDateTime + s.duration * 1000);
    const file = segment && captions.segment(segment.msn);
    if (!file) throw new Error('no complete segment around 5.2 s');
    const cue = parseVtt(file.toString('utf8')).cues.find((c) => c.text.includes('script'));
    expect(cue?.tree.children).toEqual([{ type: 'text', value: '<script>alert(1)</script> & more' }]);
  });

  it('is listed in the multivariant playlist as a subtitles rendition, off by default', () => {
    const master = HLS.parse(multivariantPlaylist([{ name: '360p', width: 640, height: 360, bitrate: 800_000, codecs: 'avc1.4d401f' }], 96_000, 'mp4a.40.2', [captions.info])) as HLS.types.MasterPlaylist;
    const variant = master.variants[0] as HLS.types.Variant;
    expect(variant.subtitles).toEqual([expect.objectContaining({ type: 'SUBTITLES', language: 'zh', name: '中文', uri: 'cc-zh/index.m3u8', isDefault: false })]);
  });
});

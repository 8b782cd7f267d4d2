import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as HLS from 'hls-parser';
import type { Segment } from '../hls/rendition';
import { testLogger } from '../test/logger';
import type { Lookup } from '../hls/origin';
import { DvrPlaylists } from './dvr';
import { RenditionArchive } from './recorder';

const START = Date.parse('2026-12-03T09:00:00Z');

/** A recorded 2 s segment, msn numbered from the clock as the broadcast numbers them. */
function segment(i: number, options: { discontinuity?: boolean; initVersion?: number } = {}): Segment {
  const bytes = Buffer.from(`segment ${i}`);
  return {
    msn: 1_796_000_000 + i,
    parts: [{ bytes, startTime: 2 * i, duration: 2, independent: true }],
    duration: 2,
    programDateTime: START + 2000 * i,
    complete: true,
    bytes,
    discontinuity: options.discontinuity ?? false,
    initVersion: options.initVersion ?? 0,
  };
}

const parse = (text: string) => HLS.parse(text) as HLS.types.MediaPlaylist;

describe('the DVR playlists: the recording on disk while the conference goes on', () => {
  let dir: string;
  let archive: RenditionArchive;
  let dvr: DvrPlaylists;
  const init = Buffer.from('init');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plenary-dvr-'));
    archive = new RenditionArchive(join(dir, '720p'), 3, testLogger);
    dvr = new DvrPlaylists(dir);
  });
  afterEach(async () => {
    dvr.close();
    await rm(dir, { recursive: true, force: true });
  });
  const hold = { limitMs: 2000 };
  const textOf = async (lookup: Promise<Lookup<string>>) => {
    const answer = await lookup;
    return answer.status === 'found' ? answer.value : undefined;
  };
  const wholeText = () => textOf(dvr.playlist('720p', { skip: false }, hold));
  const deltaText = () => textOf(dvr.playlist('720p', { skip: true }, hold));

  it('lists every segment since the start as an event playlist a player can seek in (closed once the recording ends)', async () => {
    for (let i = 0; i < 10; i++) archive.add(segment(i), init);
    await archive.end();
    const whole = parse((await wholeText())!);
    expect(whole.playlistType).toBe('EVENT');
    expect(whole.endlist).toBe(true);
    expect(whole.segments.map((s) => s.uri)).toEqual(Array.from({ length: 10 }, (_, i) => `segment-${1_796_000_000 + i}.m4s`));
    expect(whole.segments[0]!.programDateTime?.getTime()).toBe(START);
    expect(whole.segments[0]!.map?.uri).toBe('init-0.mp4');
  });

  it('reads what was appended since the last request, and answers delta updates with the old segments skipped', async () => {
    for (let i = 0; i < 5; i++) archive.add(segment(i), init);
    await archive.flushed();
    expect(parse((await wholeText())!).segments).toHaveLength(5);
    for (let i = 5; i < 40; i++) archive.add(segment(i), init);
    await archive.flushed();
    const whole = parse((await wholeText())!);
    expect(whole.segments).toHaveLength(40);
    expect(whole.endlist).toBe(false);

    const text = (await deltaText())!;
    // CAN-SKIP-UNTIL is six target durations (3 s): the segments ending more than 18 s before the newest one's end go.
    expect(text).toContain('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=18.0');
    const skipped = Number(/#EXT-X-SKIP:SKIPPED-SEGMENTS=(\d+)/.exec(text)?.[1]);
    expect(skipped).toBe(31);
    const listed = text.split('\n').filter((line) => line.startsWith('segment-'));
    expect(listed).toEqual(whole.segments.slice(skipped).map((s) => s.uri));
    // The first listed segment says which init segment it needs, though that tag was before the skipped ones.
    expect(text.indexOf('#EXT-X-MAP:URI="init-0.mp4"')).toBeLessThan(text.indexOf(listed[0]!));
    expect(text.length).toBeLessThan((await wholeText())!.length / 3);
  });

  it('never skips past a discontinuity (the encoder restarted: a new init segment)', async () => {
    for (let i = 0; i < 40; i++) archive.add(segment(i, i >= 20 ? { discontinuity: i === 20, initVersion: 1 } : {}), init);
    await archive.flushed();
    const text = (await deltaText())!;
    expect(text).toContain('#EXT-X-SKIP:SKIPPED-SEGMENTS=20');
    expect(text).toContain('#EXT-X-DISCONTINUITY');
    expect(text).toContain('#EXT-X-MAP:URI="init-1.mp4"');
  });

  it('knows no rendition the recording does not have, and no name we never write', async () => {
    expect(await dvr.playlist('1080p', { skip: false }, hold)).toMatchObject({ status: 'not-found' });
    expect(await dvr.playlist('../720p', { skip: false }, hold)).toMatchObject({ status: 'not-found' });
  });

  it('holds a blocking reload until the segment asked for is recorded; refuses one far ahead; gives up after the limit', async () => {
    for (let i = 0; i < 3; i++) archive.add(segment(i), init);
    await archive.flushed();
    const held = dvr.playlist('720p', { skip: false, msn: 3 }, hold);
    let answered = false;
    void held.then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answered).toBe(false);
    archive.add(segment(3), init);
    const answer = await held;
    expect(answer.status).toBe('found');
    expect(parse(answer.status === 'found' ? answer.value : '').segments).toHaveLength(4);

    expect(await dvr.playlist('720p', { skip: false, msn: 9 }, hold)).toMatchObject({ status: 'invalid' });
    expect(await dvr.playlist('720p', { skip: false, msn: 4 }, { limitMs: 300 })).toMatchObject({ status: 'not-yet' });
  });
});

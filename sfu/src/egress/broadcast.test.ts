import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as HLS from 'hls-parser';
import type { types } from 'mediasoup';
import { routerMediaCodecs } from '../codecs';
import { runToCompletion } from '../ffmpeg/process';
import { mediaPlaylist } from '../hls/playlist';
import type { HlsRendition, Segment } from '../hls/rendition';
import { ProgramSwitcher } from '../program/switcher';
import { SimulatedVenue } from '../simulated/venue';
import { testLogger } from '../test/logger';
import { WorkerPool } from '../workers/pool';
import { Broadcast } from './broadcast';
import { followProgram } from './program-output';
import { parseLadder } from './ladder';

/** Mean colour of every frame of a file (or of a region of it, `crop`), as RGB triples. */
async function rawFrames(file: string, crop?: string): Promise<Buffer> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const ffmpeg = spawn('ffmpeg', ['-v', 'error', '-i', file, '-vf', `${crop ? `${crop},` : ''}scale=1:1:flags=area,format=rgb24`, '-f', 'rawvideo', '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    ffmpeg.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    ffmpeg.once('error', reject);
    ffmpeg.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

describe('the broadcast: the program as an LL-HLS ladder', () => {
  let pool: WorkerPool;
  let router: types.Router;
  let switcher: ProgramSwitcher;
  let broadcast: Broadcast;
  let stopFollowing: (() => void) | undefined;
  let dir: string;
  const venues: SimulatedVenue[] = [];

  /** Writes init + segment and asks ffprobe what it decodes. */
  async function probe(init: Buffer, segment: Segment, name: string): Promise<{ streams: Record<string, string>[]; errors: string }> {
    const file = join(dir, `${name}-${segment.msn}.mp4`);
    await writeFile(file, Buffer.concat([init, ...segment.parts.map((p) => p.bytes)]));
    const info = await runToCompletion('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames,sample_rate', '-of', 'json', file]);
    const decode = await runToCompletion('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
    return { streams: (JSON.parse(info.stdout) as { streams: Record<string, string>[] }).streams, errors: decode.stderr.trim() };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plenary-broadcast-test-'));
    pool = await WorkerPool.create({ numWorkers: 1, listenIp: '127.0.0.1', rtcBasePort: 0, logger: testLogger });
    router = await pool.pick().worker.createRouter({ mediaCodecs: routerMediaCodecs });
    switcher = await ProgramSwitcher.create(router, { fallbackVenueId: 'main', logger: testLogger });
    for (const [venueId, colour] of [['main', { r: 210, g: 210, b: 40 }], ['sv-1', { r: 210, g: 40, b: 40 }]] as const) {
      const venue = await SimulatedVenue.start({ router, name: venueId, colour, logger: testLogger });
      venues.push(venue);
      await switcher.addSource(venueId, venue.videoProducer);
      await switcher.addSource(venueId, venue.audioProducer);
    }
    await switcher.setOnAir('main');
    broadcast = await Broadcast.start(
      router,
      switcher,
      { rungs: parseLadder('360p,240p'), partSeconds: 0.5, segmentSeconds: 2, windowSegments: 10, archiveDir: join(dir, 'archive'), logger: testLogger },
    );
    // As the room does: the broadcast is told each cut and each change of the sign-language picture.
    stopFollowing = followProgram(switcher, broadcast);
  });

  afterAll(async () => {
    stopFollowing?.();
    await broadcast?.close();
    switcher?.close();
    await Promise.all(venues.map((v) => v.close()));
    await pool?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const complete = (name: string) => broadcast.renditions.find((r) => r.name === name)?.hls.window.filter((s) => s.complete) ?? [];

  it('encodes every rung and the mixed audio into segments that decode', async () => {
    await until(() => complete('240p').length >= 2 && complete('audio').length >= 2, 40_000);
    for (const rendition of broadcast.renditions) {
      const segment = rendition.hls.window.find((s) => s.complete) as Segment;
      const { streams, errors } = await probe(rendition.hls.init as Buffer, segment, rendition.name);
      expect(errors).toBe('');
      if (rendition.rung) {
        expect(streams[0]).toMatchObject({ codec_name: 'h264', width: rendition.rung.width, height: rendition.rung.height });
        expect(Number(streams[0]?.nb_read_frames)).toBeGreaterThanOrEqual(55);
      } else {
        expect(streams[0]).toMatchObject({ codec_name: 'aac', sample_rate: '48000' });
      }
      const playlist = HLS.parse(mediaPlaylist(rendition.hls, { partTarget: 0.5, segmentTarget: 2 })) as HLS.types.MediaPlaylist;
      expect(playlist.segments.length).toBeGreaterThanOrEqual(2);
    }
  });

  it('puts the sign-language venue\'s picture in the corner, says so in the metadata, and takes it out', async () => {
    const video = broadcast.renditions[0]?.hls as HlsRendition;
    /** The colour of the corner and of the top left of the newest complete segment's last frame. */
    const colours = async () => {
      const segment = video.window.filter((s) => s.complete).at(-1) as Segment;
      const file = join(dir, `corner-${segment.msn}.mp4`);
      await writeFile(file, Buffer.concat([video.initFor(segment.initVersion) as Buffer, ...segment.parts.map((p) => p.bytes)]));
      const corner = await rawFrames(file, 'crop=60:30:520:290');
      const topLeft = await rawFrames(file, 'crop=60:30:20:20');
      const last = (rgb: Buffer) => [rgb[rgb.length - 3] ?? 0, rgb[rgb.length - 2] ?? 0, rgb[rgb.length - 1] ?? 0];
      return { corner: last(corner), topLeft: last(topLeft), at: segment.programDateTime };
    };
    const red = ([r, g]: number[]) => (r ?? 0) > 150 && (g ?? 0) < 100;
    const yellow = ([r, g, b]: number[]) => (r ?? 0) > 150 && (g ?? 0) > 150 && (b ?? 0) < 100;
    expect(yellow((await colours()).corner)).toBe(true);

    const encoder = broadcast.encoderPid;
    await switcher.setSignVenue('sv-1');
    await until(() => broadcast.encoderPid !== undefined && broadcast.encoderPid !== encoder, 10_000);
    const on = Date.now();
    await until(() => video.window.some((s) => s.complete && s.programDateTime > on + 500), 30_000);
    const shown = await colours();
    expect(red(shown.corner)).toBe(true);
    expect(yellow(shown.topLeft)).toBe(true);
    const text = (await broadcast.origin.playlist(video.name, { skip: false }, { limitMs: 1000 })) as { value: { text: string } };
    expect(text.value.text).toMatch(/CLASS="com.plenary.sign-language",START-DATE="[^"]+",END-ON-NEXT=YES,X-STATE="on",X-VENUE-ID="sv-1"/);

    const composed = broadcast.encoderPid;
    await switcher.setSignVenue(undefined);
    await until(() => broadcast.encoderPid !== undefined && broadcast.encoderPid !== composed, 10_000);
    const off = Date.now();
    await until(() => video.window.some((s) => s.complete && s.programDateTime > off + 500), 30_000);
    expect(yellow((await colours()).corner)).toBe(true);
    const after = (await broadcast.origin.playlist(video.name, { skip: false }, { limitMs: 1000 })) as { value: { text: string } };
    expect(after.value.text).toContain('X-STATE="off"');
  });

  it('announces a floor change as timed metadata that starts with the new speaker\'s first frame', async () => {
    const video = broadcast.renditions[0]?.hls;
    if (!video) throw new Error('no video rendition');
    await switcher.setOnAir('sv-1');
    await until(() => broadcast.speakers.some((s) => s.venueId === 'sv-1'), 5_000);
    const change = broadcast.speakers.find((s) => s.venueId === 'sv-1') as { at: number };
    await until(() => video.window.some((s) => s.complete && s.programDateTime > change.at + 1000), 30_000);

    // The wall-clock time of the first red (Jilin City) frame, from the segments' program date times.
    let firstRed: number | undefined;
    for (const segment of video.window.filter((s) => s.complete)) {
      const file = join(dir, `frames-${segment.msn}.mp4`);
      await writeFile(file, Buffer.concat([video.initFor(segment.initVersion) as Buffer, ...segment.parts.map((p) => p.bytes)]));
      const rgb = await rawFrames(file);
      for (let i = 0; i + 2 < rgb.length && firstRed === undefined; i += 3) {
        if ((rgb[i] ?? 0) > 150 && (rgb[i + 1] ?? 0) < 100) firstRed = segment.programDateTime + (i / 3) * (1000 / 30);
      }
      if (firstRed !== undefined) break;
    }
    expect(firstRed).toBeDefined();
    // Aligned within a few frames: the caption changes with the picture, not before or after (a
    // viewer notices half a second; the event loop of a loaded machine may delay the cut's note by a few frames).
    expect(Math.abs((firstRed as number) - change.at)).toBeLessThan(500);

    // The names come from the conference (the server's reconcile tells them), as the origin serves them.
    broadcast.nameVenues({ 'sv-1': 'Jilin City' });
    const answer = await broadcast.origin.playlist(video.name, { skip: false }, { limitMs: 1000 });
    if (answer.status !== 'found') throw new Error(`no playlist: ${answer.status}`);
    const text = answer.value.text;
    expect(text).toContain(`#EXT-X-DATERANGE:ID="speaker-${change.at}",CLASS="com.plenary.speaker",START-DATE="${new Date(change.at).toISOString()}",END-ON-NEXT=YES,X-VENUE-ID="sv-1",X-VENUE-NAME="Jilin City"`);
    const parsed = HLS.parse(text) as HLS.types.MediaPlaylist;
    expect(parsed.segments.some((s) => s.dateRange?.attributes?.['X-VENUE-ID'] === 'sv-1') || text.includes('X-VENUE-ID="sv-1"')).toBe(true);
  });

  it('restarts a dead encoder, marking a discontinuity and keeping the media sequence going', async () => {
    const video = broadcast.renditions[0]?.hls;
    if (!video) throw new Error('no video rendition');
    const lastMsn = video.window[video.window.length - 1]?.msn ?? -1;
    process.kill(broadcast.encoderPid as number, 'SIGKILL');
    await until(() => broadcast.restarts === 1, 5_000);
    await until(() => video.window.some((s) => s.msn > lastMsn && s.complete), 30_000);
    const after = video.window.find((s) => s.msn > lastMsn) as Segment;
    expect(after.discontinuity).toBe(true);
    expect(after.msn).toBe(lastMsn + 1);
    expect(mediaPlaylist(video, { partTarget: 0.5, segmentTarget: 2 })).toContain('#EXT-X-DISCONTINUITY');
    const { errors, streams } = await probe(video.init as Buffer, after, 'after-restart');
    expect(errors).toBe('');
    expect(streams[0]).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
  });
  it('keeps the whole broadcast on disk, which plays as video on demand once it ends', async () => {
    await broadcast.close();
    const playlist = await readFile(join(dir, 'archive', '360p', 'index.m3u8'), 'utf8');
    expect(playlist).toMatch(/#EXT-X-PLAYLIST-TYPE:EVENT/);
    expect(playlist.trim().endsWith('#EXT-X-ENDLIST')).toBe(true);
    expect(playlist).toContain('#EXT-X-DISCONTINUITY'); // the encoder restart of the test before
    const segments = playlist.match(/^segment-\d+\.m4s$/gm) ?? [];
    expect(segments.length).toBeGreaterThanOrEqual(4);
    const master = HLS.parse(await readFile(join(dir, 'archive', 'master.m3u8'), 'utf8')) as HLS.types.MasterPlaylist;
    expect(master.variants.map((v) => v.uri)).toEqual(['360p/index.m3u8', '240p/index.m3u8']);
    // ffmpeg reads the recording as HLS from the start, across the restart, without a decode error.
    const decode = await runToCompletion('ffmpeg', ['-v', 'error', '-allowed_extensions', 'ALL', '-i', join(dir, 'archive', '360p', 'index.m3u8'), '-f', 'null', '-']);
    expect(decode.stderr).toBe('');
  });

});

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as HLS from 'hls-parser';
import { runToCompletion } from '../ffmpeg/process';
import { HlsRendition } from './rendition';
import { lastPosition, mediaPlaylist } from './playlist';

/** ffmpeg's fMP4 output as the broadcast ladder writes it: 0.5 s fragments (or as asked), a keyframe every 2 s. */
function encode(seconds: number, onChunk: (chunk: Buffer) => void, fragmentMicros = 500_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30',
      '-t', String(seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '60', '-keyint_min', '60',
      '-sc_threshold', '0', '-force_key_frames', 'expr:gte(t,n_forced*2)', '-f', 'mp4',
      '-movflags', 'frag_keyframe+empty_moov+default_base_moof+skip_trailer', '-frag_duration', String(fragmentMicros), 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    ffmpeg.stdout.on('data', onChunk);
    ffmpeg.once('error', reject);
    ffmpeg.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

describe('an LL-HLS rendition packaged from ffmpeg fMP4', () => {
  let rendition: HlsRendition;
  let dir: string;
  const waits: Promise<boolean>[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plenary-hls-'));
    rendition = new HlsRendition('720p', { segmentTarget: 2, windowSegments: 10 });
    // A blocking request for a part that does not exist yet: it must be answered once the part arrives.
    waits.push(rendition.waitFor(1, 2, 30_000));
    await encode(7, (chunk) => rendition.write(chunk));
  });

  afterAll(async () => {
    rendition.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('cuts 0.5 s parts into 2 s segments that start on keyframes', () => {
    const complete = rendition.window.filter((s) => s.complete);
    expect(complete.length).toBeGreaterThanOrEqual(3);
    for (const segment of complete) {
      expect(segment.duration).toBeCloseTo(2, 1);
      expect(segment.parts).toHaveLength(4);
      expect(segment.parts[0]?.independent).toBe(true);
      for (const part of segment.parts) expect(part.duration).toBeLessThanOrEqual(0.5 + 1e-6);
    }
    expect(rendition.window.map((s) => s.msn)).toEqual(rendition.window.map((_, i) => i));
  });

  it('answers a blocking wait once the part it waits for exists', async () => {
    await expect(waits[0]).resolves.toBe(true);
    await expect(rendition.waitFor(99, 0, 50)).resolves.toBe(false);
  });

  it('makes segments and parts that decode on their own after the init segment', async () => {
    const init = rendition.init as Buffer;
    const segment = rendition.segmentAt(1);
    if (!segment) throw new Error('segment 1 missing');
    const segmentFile = join(dir, 'segment.mp4');
    await writeFile(segmentFile, Buffer.concat([init, ...segment.parts.map((p) => p.bytes)]));
    const decode = await runToCompletion('ffmpeg', ['-v', 'error', '-i', segmentFile, '-f', 'null', '-']);
    expect(decode.stderr).toBe('');
    const probe = await runToCompletion('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width,height', '-of', 'csv=p=0', segmentFile]);
    expect(probe.stdout.trim()).toBe('640,360,60');
    // An independent part alone (with the init) decodes too: a player can start there.
    const partFile = join(dir, 'part.mp4');
    await writeFile(partFile, Buffer.concat([init, (segment.parts[0] as { bytes: Buffer }).bytes]));
    const part = await runToCompletion('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', partFile]);
    expect(part.stdout.trim()).toBe('15');
  });

  it('writes a media playlist that an independent parser reads as LL-HLS', () => {
    const text = mediaPlaylist(rendition, { partTarget: 0.5, segmentTarget: 2 });
    const playlist = HLS.parse(text) as HLS.types.MediaPlaylist;
    expect(playlist.isMasterPlaylist).toBe(false);
    expect(playlist.targetDuration).toBe(2);
    expect(playlist.partTargetDuration).toBe(0.5);
    expect(playlist.lowLatencyCompatibility).toMatchObject({ canBlockReload: true, partHoldBack: 1.5, canSkipUntil: 12 });
    expect(playlist.mediaSequenceBase).toBe(0);
    const position = lastPosition(rendition);
    expect(playlist.prefetchSegments.length + playlist.segments.length).toBeGreaterThan(0);
    // The hint names the next part: the next index, or part 0 of the next segment once this one is full.
    const next = rendition.nextPart();
    const full = (rendition.window.at(-1)?.duration ?? 0) >= 1.99;
    expect(next).toEqual(full ? { msn: (position?.msn ?? 0) + 1, part: 0 } : { msn: position?.msn, part: (position?.part ?? 0) + 1 });
    expect(text).toContain(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-${next?.msn}-${next?.part}.m4s"`);
    expect(text).toMatch(/#EXT-X-MAP:URI="init-0.mp4"/);
    expect(text.match(/#EXT-X-PROGRAM-DATE-TIME:/g)?.length).toBe(rendition.window.length);
    // Parts of the last three target durations are listed, and independent ones say so.
    expect(text).toMatch(/#EXT-X-PART:DURATION=0\.5,URI="part-\d+-0\.m4s",INDEPENDENT=YES/);
  });

  it('summarises old segments with EXT-X-SKIP in a delta update', () => {
    const long = new HlsRendition('long', { segmentTarget: 2, windowSegments: 20 });
    // Reuse the recorded parts to build a longer window quickly: 10 segments of 4 parts.
    const parts = rendition.window.flatMap((s) => s.parts);
    const init = rendition.init as Buffer;
    long.write(init);
    for (let i = 0; i < 10; i++) for (const part of parts.slice(0, 4)) long.write(part.bytes);
    const delta = mediaPlaylist(long, { partTarget: 0.5, segmentTarget: 2, skip: true });
    const skipped = Number(/#EXT-X-SKIP:SKIPPED-SEGMENTS=(\d+)/.exec(delta)?.[1]);
    expect(skipped).toBeGreaterThan(0);
    // 20 s of segments: the ones ending more than CAN-SKIP-UNTIL (12 s) before the live edge are skipped,
    // everything younger is still listed (5 complete segments plus the growing one).
    expect(skipped).toBe(4);
    expect(delta.match(/#EXTINF:/g)?.length).toBe(long.window.filter((s) => s.complete).length - skipped);
    expect(delta).toContain(`#EXT-X-MEDIA-SEQUENCE:${long.window[0]?.msn}`);
    long.close();
  });
});

it('prints 1/3 s parts that add up to their segment, as hls.js needs to load subtitles past it', async () => {
  const rendition = new HlsRendition('360p', { segmentTarget: 2, windowSegments: 10 });
  await encode(7, (chunk) => rendition.write(chunk), 333_333);
  const playlist = HLS.parse(mediaPlaylist(rendition, { partTarget: 0.333, segmentTarget: 2 })) as HLS.types.MediaPlaylist;
  rendition.close();
  const complete = playlist.segments.filter((segment) => segment.uri && segment.parts.length > 0);
  expect(complete.length).toBeGreaterThanOrEqual(2);
  for (const segment of complete) {
    expect(segment.parts).toHaveLength(6);
    // hls.js counts a segment whole when its parts reach its end within 1 us.
    const parts = segment.parts.reduce((sum, part) => sum + (part.duration ?? 0), 0);
    expect(Math.abs(parts - segment.duration)).toBeLessThan(1e-6);
    expect(segment.duration).toBe(2);
  }
});

it('raises PART-TARGET for a long part only while that part is in the window', async () => {
  const rendition = new HlsRendition('360p', { segmentTarget: 2, windowSegments: 2 });
  const partTarget = () => (HLS.parse(mediaPlaylist(rendition, { partTarget: 0.5, segmentTarget: 2 })) as HLS.types.MediaPlaylist).partTargetDuration;
  try {
    // An encoder that stalls writes long fragments (1.5 s here), then goes on with 0.5 s ones.
    await encode(4, (chunk) => rendition.write(chunk), 1_500_000);
    expect(partTarget()).toBeGreaterThanOrEqual(1.5);
    await encode(7, (chunk) => rendition.write(chunk));
    // The long parts have left the two-segment window: viewers' PART-HOLD-BACK is back to three 0.5 s parts.
    expect(rendition.window.every((segment) => segment.parts.every((part) => part.duration <= 0.5 + 1e-6))).toBe(true);
    expect(partTarget()).toBe(0.5);
  } finally {
    rendition.close();
  }
}, 60_000);

describe('sequence numbers across restarts', () => {
  it('start where asked, and count a discontinuity that slid out of the window', async () => {
    const rendition = new HlsRendition('240p', { segmentTarget: 2, windowSegments: 1, firstMsn: 1_700_000_000, firstDiscontinuitySequence: 3000 });
    try {
      await encode(5, (chunk) => rendition.write(chunk));
      expect(rendition.window[0]?.msn).toBeGreaterThanOrEqual(1_700_000_000);
      expect(rendition.discontinuitySequence).toBe(3000);
      // The encoder restarts: a discontinuity, then the new stream (its own init segment).
      rendition.discontinuity();
      await encode(7, (chunk) => rendition.write(chunk));
      // The window keeps one complete segment: the discontinuity has slid out, and is counted.
      expect(rendition.window.some((s) => s.discontinuity)).toBe(false);
      expect(rendition.discontinuitySequence).toBe(3001);
      const text = mediaPlaylist(rendition, { partTarget: 0.5, segmentTarget: 2 });
      expect(text).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:3001');
      expect((HLS.parse(text) as HLS.types.MediaPlaylist).discontinuitySequenceBase).toBe(3001);
    } finally {
      rendition.close();
    }
  }, 60_000);
});

it('lets a crowd of held requests go a batch at a time, so other work runs in between', async () => {
  const chunks: Buffer[] = [];
  await encode(3, (chunk) => chunks.push(chunk));
  const rendition = new HlsRendition('360p', { segmentTarget: 2, windowSegments: 10 });
  let answered = 0;
  const held = Array.from({ length: 1000 }, () => rendition.waitFor(1, 0, 30_000).then((found) => (answered++, found)));
  // Every part arrives in this one call; other work queued right after it (a health check, a socket) ...
  rendition.write(Buffer.concat(chunks));
  const answeredWhenOtherWorkRan = await new Promise<number>((resolve) => setImmediate(() => resolve(answered)));
  expect(await Promise.all(held)).toEqual(Array(1000).fill(true));
  // ... ran while the release was still going on, not after all thousand were answered.
  expect(answeredWhenOtherWorkRan).toBeGreaterThan(0);
  expect(answeredWhenOtherWorkRan).toBeLessThan(1000);
  rendition.close();
});

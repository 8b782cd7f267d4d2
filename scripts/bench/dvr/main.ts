// Benchmark: the DVR playlist at 3 hours of conference. A recording of one rendition
// with 5400 two-second segments is written by the real recorder (RenditionArchive,
// small segment bodies: the playlist's cost does not depend on them); then the
// rendition's DVR playlist is asked for over HTTP on loopback as a rewinding player
// asks for it, a new segment appended before each reload:
//   - baseline: the recorded playlist file sent as it is (what a plain file server would do);
//   - whole: the DVR playlist in full (a player's first load);
//   - delta: `_HLS_skip=YES` (every reload after the first).
// Reports the bytes of each answer and the response time (request -> body read), p50/p95,
// and the ratios against the baseline measured in the same run.
//
//   npm run bench:dvr
import { createServer } from 'node:http';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DvrPlaylists } from '../../../sfu/src/archive/dvr';
import { RenditionArchive } from '../../../sfu/src/archive/recorder';
import type { Segment } from '../../../sfu/src/hls/rendition';
import { machine } from '../lib/machine';
import { runBenchmark, writeResults } from '../lib/output';
import { summarise } from '../lib/stats';

const HOURS = 3;
const SEGMENT_SECONDS = 2;
const RELOADS = 200;
const START = Date.now() - HOURS * 3600_000;

function segment(i: number): Segment {
  const bytes = Buffer.from(`segment ${i}`);
  return {
    msn: Math.floor(START / 1000) + i,
    parts: [{ bytes, startTime: SEGMENT_SECONDS * i, duration: SEGMENT_SECONDS, independent: true }],
    duration: SEGMENT_SECONDS,
    programDateTime: START + SEGMENT_SECONDS * 1000 * i,
    complete: true,
    bytes,
    discontinuity: false,
    initVersion: 0,
  };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'plenary-bench-dvr-'));
  const archive = new RenditionArchive(join(dir, '720p'), SEGMENT_SECONDS + 1, pino({ level: 'warn' }));
  const init = Buffer.from('init');
  const segments = (HOURS * 3600) / SEGMENT_SECONDS;
  for (let i = 0; i < segments; i++) archive.add(segment(i), init);
  await archive.flushed();

  const dvr = new DvrPlaylists(dir);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const answer =
      url.pathname === '/file'
        ? readFile(join(dir, '720p', 'index.m3u8'), 'utf8')
        : dvr.playlist('720p', { skip: url.searchParams.get('_HLS_skip') === 'YES' }, { limitMs: 6000 }).then((lookup) => (lookup.status === 'found' ? lookup.value : ''));
    void answer.then((text) => res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The first load of a three-hour recording (nothing read yet): one full read of the file.
  let started = performance.now();
  const firstBytes = (await (await fetch(`${base}/dvr`)).text()).length;
  const coldMs = performance.now() - started;

  let next = segments;
  const measure = async (path: string) => {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RELOADS; i++) {
      archive.add(segment(next++), init);
      await archive.flushed();
      started = performance.now();
      bytes = (await (await fetch(`${base}${path}`)).text()).length;
      times.push(performance.now() - started);
    }
    return { bytes, ms: summarise(times) };
  };
  const baseline = await measure('/file');
  const whole = await measure('/dvr');
  const delta = await measure('/dvr?_HLS_skip=YES');
  server.close();
  await rm(dir, { recursive: true, force: true });

  const ratio = (x: number, y: number) => Math.round((x / y) * 1000) / 1000;
  const summary = {
    date: new Date().toISOString(),
    machine: machine(),
    recording: { hours: HOURS, segmentSeconds: SEGMENT_SECONDS, segments },
    firstLoad: { bytes: firstBytes, ms: Math.round(coldMs * 10) / 10 },
    baseline,
    whole,
    delta,
    ratios: {
      deltaBytesToBaseline: ratio(delta.bytes, baseline.bytes),
      deltaP50ToBaseline: ratio(delta.ms.p50, baseline.ms.p50),
      wholeP50ToBaseline: ratio(whole.ms.p50, baseline.ms.p50),
    },
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  writeResults('dvr', summary);
}

runBenchmark(main);

// Benchmark: ladder encode speed. The broadcast's encoding (the same filters,
// x264 settings and fMP4 outputs as the live ladder) run flat out on 20 s of a
// synthetic 1280x720 30 fps picture and two tones (and one more tone per
// interpretation channel, mixed over the ducked original); speed = media seconds
// per wall second (>= 1 keeps up in real time). Baseline in the same run: a single
// 360p rendition.
//
//   npm run bench:ladder-speed
import { spawn } from 'node:child_process';
import { ladderOutputs, parseLadder } from '../../../sfu/src/egress/ladder';
import { machine } from '../lib/machine';
import { runBenchmark, writeResults } from '../lib/output';

const MEDIA_SECONDS = 20;

function run(ladder: string, channels = 0): Promise<{ ladder: string; channels: number; wallSeconds: number; speed: number }> {
  const rungs = parseLadder(ladder);
  const tone = (hz: number) => ['-f', 'lavfi', '-i', `sine=frequency=${hz}:duration=${MEDIA_SECONDS}`];
  const interpreters = Array.from({ length: channels }, (_, i) => `[${3 + i}:a]`);
  const inputs = ['-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${MEDIA_SECONDS}`, ...tone(440), ...tone(550), ...interpreters.flatMap((_, i) => tone(660 + 110 * i))];
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', ...inputs, ...ladderOutputs(rungs, 0.5, ['[0:v]', '[1:a]', '[2:a]'], interpreters)];
  const pipes = rungs.length + 1 + channels;
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    // Every rendition's pipe is drained and dropped: only the encoding is measured.
    const ffmpeg = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'inherit', ...Array.from({ length: pipes }, () => 'pipe' as const)] });
    for (let fd = 3; fd < 3 + pipes; fd++) ffmpeg.stdio[fd]?.on('data', () => undefined);
    ffmpeg.once('error', reject);
    ffmpeg.once('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg exited ${code}`));
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ ladder, channels, wallSeconds: Math.round(wallSeconds * 100) / 100, speed: Math.round((MEDIA_SECONDS / wallSeconds) * 100) / 100 });
    });
  });
}

async function main() {
  const results = [];
  for (const [ladder, channels] of [['360p', 0], ['720p,480p,360p', 0], ['720p,480p,360p', 1], ['720p,480p,360p', 3], ['1080p,720p,480p,360p', 0]] as const) {
    const result = await run(ladder, channels);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    results.push(result);
  }
  const baseline = results[0]?.speed ?? Number.NaN;
  const summary = { machine: machine(), mediaSeconds: MEDIA_SECONDS, source: 'lavfi testsrc2 1280x720 30 fps + two tones (+ one per interpretation channel)', results: results.map((r) => ({ ...r, vsSingle360p: Math.round((r.speed / baseline) * 100) / 100 })) };
  writeResults('ladder-speed', summary);
}

runBenchmark(main);

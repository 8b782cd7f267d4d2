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

function run(ladder: string, channels = 0, corner = false): Promise<{ ladder: string; channels: number; corner: boolean; wallSeconds: number; speed: number }> {
  const rungs = parseLadder(ladder);
  const tone = (hz: number) => ['-f', 'lavfi', '-i', `sine=frequency=${hz}:duration=${MEDIA_SECONDS}`];
  const interpreters = Array.from({ length: channels }, (_, i) => `[${3 + i}:a]`);
  // The sign-language picture: a second camera-sized picture, decoded and composed into the corner.
  const cornerInput = corner ? ['-f', 'lavfi', '-i', `testsrc=size=640x360:rate=30:duration=${MEDIA_SECONDS}`] : [];
  const inputs = ['-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${MEDIA_SECONDS}`, ...tone(440), ...tone(550), ...interpreters.flatMap((_, i) => tone(660 + 110 * i)), ...cornerInput];
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', ...inputs, ...ladderOutputs(rungs, 0.5, ['[0:v]', '[1:a]', '[2:a]'], interpreters, corner ? `[${3 + channels}:v]` : undefined)];
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
      resolve({ ladder, channels, corner, wallSeconds: Math.round(wallSeconds * 100) / 100, speed: Math.round((MEDIA_SECONDS / wallSeconds) * 100) / 100 });
    });
  });
}

async function main() {
  const results = [];
  const runs = [['360p', 0, false], ['720p,480p,360p', 0, false], ['720p,480p,360p', 1, false], ['720p,480p,360p', 3, false], ['720p,480p,360p', 0, true], ['1080p,720p,480p,360p', 0, false]] as const;
  for (const [ladder, channels, corner] of runs) {
    const result = await run(ladder, channels, corner);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    results.push(result);
  }
  const baseline = results[0]?.speed ?? Number.NaN;
  const summary = { machine: machine(), mediaSeconds: MEDIA_SECONDS, source: 'lavfi testsrc2 1280x720 30 fps + two tones (+ one per interpretation channel)', results: results.map((r) => ({ ...r, vsSingle360p: Math.round((r.speed / baseline) * 100) / 100 })) };
  writeResults('ladder-speed', summary);
}

runBenchmark(main);

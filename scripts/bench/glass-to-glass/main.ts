// Benchmark: glass-to-glass latency of the broadcast, for each LL-HLS part length side by
// side in one run. A simulated venue is on air; the program goes through the switcher, the ABR
// ladder, the LL-HLS packager and the origin into hls.js in Chromium. Latency = now minus the
// program date time of the frame on screen (program date times follow the media timeline from
// the moment the program enters the encoder, so this covers switcher -> ladder -> packager ->
// origin -> hls.js -> screen; the simulated venue's own capture and encode, a few tens of ms, are
// not in it). For each part length (a fresh Plenary each): the watch page's player settings, with
// stalls (the <video> waiting after it first played) and the requests the viewer made per
// second. Baseline in the same run: the same stream played by hls.js as plain HLS (no parts, no
// blocking reloads), at the first part length. Chromium runs niced (10): on a real audience the
// viewer's device is not the encoder's, and on 2 shared cores the encoder must not lose to it.
// Encoder lag (how far the newest packaged media trails real time) is sampled next to it.
//
//   npm run bench:glass-to-glass   BROADCAST_LADDER=360p for a lighter ladder;
//                                  GLASS_PARTS=0.5,0.333,0.25 the part lengths (seconds);
//                                  GLASS_SAMPLE_SECONDS=60 the sampling per setting;
//                                  GLASS_TUNING='{"liveSyncOnStallIncrease":0.25}' other hls.js settings;
//                                  GLASS_BASELINE=no no plain HLS baseline (a long run of one setting,
//                                  written to its own file: ...-parts-0.333-600s.json)
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../../server/src/app/config';
import { startPlenary } from '../../../server/src/app/plenary';
import { SessionPage, launchChromium } from '../../../server/src/test/browser';
import { machine } from '../lib/machine';
import { niceChromium } from '../lib/processes';
import { behindRealTime } from '../lib/hls';
import { runBenchmark, writeResults } from '../lib/output';
import { sleep, summarise } from '../lib/stats';

const WARMUP_MS = 15_000;
const SAMPLE_MS = Number(process.env.GLASS_SAMPLE_SECONDS ?? 60) * 1000;
type State = { frames: number; latency: number | undefined; targetLatency: number | undefined; behindMs: number | undefined; stalls: number };
type Mode = { name: string; lowLatency: boolean; tuning: Record<string, number> };

async function measure(browser: Browser, page: SessionPage, url: string, mode: Mode, lag: () => number | undefined) {
  const tab = await browser.newPage();
  let requests = 0;
  let counting = false;
  tab.on('request', (request) => counting && request.url().includes('/hls/') && requests++);
  await tab.goto(page.url);
  await tab.evaluate(
    ({ src, ll, tuned }) => (globalThis as unknown as { plenary: { watchBroadcast(u: string, l: boolean, t: unknown): void } }).plenary.watchBroadcast(src, ll, tuned),
    { src: url, ll: mode.lowLatency, tuned: mode.tuning },
  );
  niceChromium(10);
  await sleep(WARMUP_MS);
  const state = () => tab.evaluate(() => (globalThis as unknown as { plenary: { broadcastState(): State } }).plenary.broadcastState());
  const behind: number[] = [];
  const hlsLatency: number[] = [];
  const targetLatency: number[] = [];
  const encoderLag: number[] = [];
  const start = await state();
  counting = true;
  const deadline = Date.now() + SAMPLE_MS;
  let last = start;
  while (Date.now() < deadline) {
    last = await state();
    if (last.behindMs !== undefined) behind.push(last.behindMs);
    if (last.latency !== undefined) hlsLatency.push(last.latency * 1000);
    if (last.targetLatency !== undefined) targetLatency.push(last.targetLatency * 1000);
    const behindEncoder = lag();
    if (behindEncoder !== undefined) encoderLag.push(behindEncoder);
    await sleep(500);
  }
  counting = false;
  await tab.close();
  const minutes = SAMPLE_MS / 60_000;
  return {
    glassToGlassMs: summarise(behind),
    hlsJsLatencyMs: summarise(hlsLatency),
    hlsJsTargetLatencyMs: summarise(targetLatency),
    encoderLagMs: summarise(encoderLag),
    framesPerSecond: Math.round(((last.frames - start.frames) / (SAMPLE_MS / 1000)) * 10) / 10,
    stallsPerMinute: Math.round(((last.stalls - start.stalls) / minutes) * 100) / 100,
    requestsPerSecond: Math.round((requests / (SAMPLE_MS / 1000)) * 100) / 100,
  };
}

async function main() {
  const ladder = process.env.BROADCAST_LADDER ?? '720p,480p,360p';
  const parts = (process.env.GLASS_PARTS ?? '0.5,0.333,0.25').split(',');
  const withBaseline = process.env.GLASS_BASELINE !== 'no';
  const tuning = process.env.GLASS_TUNING ? (JSON.parse(process.env.GLASS_TUNING) as Record<string, number>) : undefined;
  const page = await SessionPage.start();
  const browser = await launchChromium();
  const results: Record<string, unknown> = {};
  try {
    for (const [i, part] of parts.entries()) {
      const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: ladder, BROADCAST_PART_SECONDS: part, PLENARY_ADMIN_KEY: 'bench-admin-key-0123456789' });
      const plenary = await startPlenary(config, pino({ level: 'warn' }), { demo: true });
      try {
        const video = (await plenary.media.room('demo')).broadcast?.renditions[0]?.hls;
        const lag = () => video && behindRealTime(video);
        const modes: Mode[] = [
          { name: `LL-HLS, ${part} s parts`, lowLatency: true, tuning: {} },
          ...(tuning && i === 0 ? [{ name: `LL-HLS, ${part} s parts, ${JSON.stringify(tuning)}`, lowLatency: true, tuning }] : []),
          ...(i === 0 && withBaseline ? [{ name: 'baseline: plain HLS (2 s segments)', lowLatency: false, tuning: {} }] : []),
        ];
        for (const mode of modes) {
          results[mode.name] = { partSeconds: Number(part), ...(await measure(browser, page, `${plenary.url}/hls/demo/master.m3u8`, mode, lag)) };
          process.stdout.write(`${mode.name}: ${JSON.stringify(results[mode.name])}\n`);
        }
      } finally {
        await plenary.close();
      }
    }
  } finally {
    await browser.close();
    await page.close();
  }
  const baseline = (results['baseline: plain HLS (2 s segments)'] as { glassToGlassMs: { p50: number } } | undefined)?.glassToGlassMs.p50;
  const summary = {
    machine: machine(),
    ladder,
    sampleSeconds: SAMPLE_MS / 1000,
    source: 'one GStreamer simulated venue, VP8 640x360 30 fps; Chromium (Debian, niced 10) with hls.js 1.7.4 on the same 2 cores',
    results,
    // Each setting's p50 against plain HLS's, measured in the same run.
    p50VsBaseline: baseline
      ? Object.fromEntries(Object.entries(results).map(([name, r]) => [name, Math.round(((r as { glassToGlassMs: { p50: number } }).glassToGlassMs.p50 / baseline) * 100) / 100]))
      : undefined,
  };
  const name = `glass-to-glass-${ladder.replace(/,/g, '-')}`;
  writeResults(withBaseline ? name : `${name}-parts-${parts.join('-')}-${SAMPLE_MS / 1000}s`, summary);
}

runBenchmark(main);

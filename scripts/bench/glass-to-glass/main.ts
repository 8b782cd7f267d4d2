// Benchmark: glass-to-glass latency of the broadcast. A simulated venue is on
// air; the program goes through the switcher, the ABR ladder, the LL-HLS
// packager and the origin into hls.js in Chromium. Latency = now minus the
// program date time of the frame on screen (program date times follow the media
// timeline from the moment the program enters the encoder, so this covers
// switcher -> ladder -> packager -> origin -> hls.js -> screen; the simulated
// venue's own capture and encode, a few tens of ms, are not in it). Baseline in
// the same run: the same stream played by hls.js as plain HLS (no parts, no
// blocking reloads). Encoder lag (how far the newest packaged media trails
// real time) is sampled next to it, since the ladder and the browser share 2 cores.
//
//   npm run bench:glass-to-glass      (BROADCAST_LADDER=360p for a lighter ladder;
//                                      GLASS_TUNING='{"liveSyncOnStallIncrease":0.25}' adds a
//                                      run with other hls.js settings than the watch page's)
import pino from 'pino';
import { loadConfig } from '../../../server/src/app/config';
import { startPlenary } from '../../../server/src/app/plenary';
import { SessionPage, launchChromium } from '../../../server/src/test/browser';
import { machine } from '../lib/machine';
import { runBenchmark, writeResults } from '../lib/output';
import { sleep, summarise } from '../lib/stats';

const WARMUP_MS = 15_000;
const SAMPLE_MS = 30_000;
type State = { frames: number; latency: number | undefined; targetLatency: number | undefined; behindMs: number | undefined };
type Mode = { name: string; lowLatency: boolean; tuning: Record<string, number> };

async function main() {
  const ladder = process.env.BROADCAST_LADDER ?? '720p,480p,360p';
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: ladder, PLENARY_ADMIN_KEY: 'bench-admin-key-0123456789' });
  const plenary = await startPlenary(config, pino({ level: 'warn' }), { demo: true });
  const page = await SessionPage.start();
  const browser = await launchChromium();
  const results: Record<string, unknown> = {};
  try {
    const room = await plenary.media.room('demo');
    const video = room.broadcast?.renditions[0]?.hls;
    const tuning = process.env.GLASS_TUNING ? (JSON.parse(process.env.GLASS_TUNING) as Record<string, number>) : undefined;
    const modes: Mode[] = [
      { name: 'low-latency HLS (parts, blocking reload)', lowLatency: true, tuning: {} },
      ...(tuning ? [{ name: `low-latency HLS with ${JSON.stringify(tuning)}`, lowLatency: true, tuning }] : []),
      { name: 'baseline: plain HLS (segments only)', lowLatency: false, tuning: {} },
    ];
    for (const { name: mode, lowLatency, tuning: settings } of modes) {
      const tab = await browser.newPage();
      await tab.goto(page.url);
      await tab.evaluate(
        ({ url, ll, tuned }) => (globalThis as unknown as { plenary: { watchBroadcast(u: string, l: boolean, t: unknown): void } }).plenary.watchBroadcast(url, ll, tuned),
        { url: `${plenary.url}/hls/demo/master.m3u8`, ll: lowLatency, tuned: settings },
      );
      await sleep(WARMUP_MS);
      const behind: number[] = [];
      const hlsLatency: number[] = [];
      const targetLatency: number[] = [];
      const encoderLag: number[] = [];
      const start = (await tab.evaluate(() => (globalThis as unknown as { plenary: { broadcastState(): State } }).plenary.broadcastState())).frames;
      const deadline = Date.now() + SAMPLE_MS;
      let frames = start;
      while (Date.now() < deadline) {
        const state = await tab.evaluate(() => (globalThis as unknown as { plenary: { broadcastState(): State } }).plenary.broadcastState());
        if (state.behindMs !== undefined) behind.push(state.behindMs);
        if (state.latency !== undefined) hlsLatency.push(state.latency * 1000);
        if (state.targetLatency !== undefined) targetLatency.push(state.targetLatency * 1000);
        const last = video?.window[video.window.length - 1];
        if (last) encoderLag.push(Date.now() - (last.programDateTime + last.duration * 1000));
        frames = state.frames;
        await sleep(500);
      }
      results[mode] = {
        glassToGlassMs: summarise(behind),
        hlsJsLatencyMs: summarise(hlsLatency),
        hlsJsTargetLatencyMs: summarise(targetLatency),
        encoderLagMs: summarise(encoderLag),
        framesPerSecond: Math.round(((frames - start) / (SAMPLE_MS / 1000)) * 10) / 10,
      };
      process.stdout.write(`${mode}: ${JSON.stringify(results[mode])}\n`);
      await tab.close();
    }
  } finally {
    await browser.close();
    await page.close();
    await plenary.close();
  }
  const measured = Object.values(results) as { glassToGlassMs: { p50: number } }[];
  const summary = {
    machine: machine(),
    ladder,
    source: 'one GStreamer simulated venue, VP8 640x360 30 fps; Chromium (Debian) with hls.js 1.7.4 on the same 2 cores',
    results,
    // The watch page's settings (first) against plain HLS (last).
    p50VsBaseline: measured.length >= 2 ? Math.round(((measured[0]?.glassToGlassMs.p50 ?? 0) / (measured.at(-1)?.glassToGlassMs.p50 ?? 1)) * 100) / 100 : undefined,
  };
  writeResults(`glass-to-glass-${ladder.replace(/,/g, '-')}`, summary);
}

runBenchmark(main);

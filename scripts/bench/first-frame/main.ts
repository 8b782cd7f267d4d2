// Benchmark: the watch page's time to first frame and to live, on loopback. The demo
// conference (the default ladder, one simulated venue) is live; a new Chromium page opens
// /watch/demo again and again (a fresh context each: nothing cached). In the page, from
// navigation start (performance.now() = 0): the first decoded frame of the broadcast
// (requestVideoFrameCallback on the player's <video>), and the first moment the frame shown is
// within the player's target of live (the page's data-behind-live at or below 2 s). Also listed:
// the requests the page made before its first frame, in order, with when each started and
// ended: the chain a viewer waits through. Chromium is niced (10), as in the latency benchmark.
//
//   npm run bench:first-frame      FIRST_FRAME_OPENS=12 how many page opens
import pino from 'pino';
import { loadConfig } from '../../../server/src/app/config';
import { startPlenary } from '../../../server/src/app/plenary';
import { launchChromium } from '../../../server/src/test/browser';
import { machine } from '../lib/machine';
import { niceChromium } from '../lib/processes';
import { runBenchmark, writeResults } from '../lib/output';
import { sleep, summarise } from '../lib/stats';

const OPENS = Number(process.env.FIRST_FRAME_OPENS ?? 12);
const LIVE_WITHIN_MS = 2000;

/** Hooks the page before its scripts run: notes the first frame of #broadcast and the first moment it is near live. */
const HOOK = `(() => {
  const marks = (globalThis.firstFrameMarks = {});
  const watch = () => {
    const video = document.querySelector('#broadcast');
    if (video && !marks.hooked) {
      marks.hooked = true;
      video.requestVideoFrameCallback(() => (marks.firstFrame = performance.now()));
    }
    const behind = document.querySelector('section.player')?.dataset.behindLive;
    if (marks.firstFrame !== undefined && behind !== undefined && Number(behind) * 1000 <= ${LIVE_WITHIN_MS} && marks.live === undefined) marks.live = performance.now();
    if (marks.live === undefined) requestAnimationFrame(watch);
  };
  requestAnimationFrame(watch);
})()`;

async function main() {
  const ladder = process.env.BROADCAST_LADDER ?? '720p,480p,360p';
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: ladder, PLENARY_ADMIN_KEY: 'bench-admin-key-0123456789' });
  const plenary = await startPlenary(config, pino({ level: 'warn' }), { demo: true });
  const browser = await launchChromium();
  const firstFrame: number[] = [];
  const toLive: number[] = [];
  let chain: { url: string; startMs: number; endMs: number }[] = [];
  try {
    await sleep(10_000); // the broadcast has its first segments
    for (let i = 0; i < OPENS; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript(HOOK);
      await page.goto(`${plenary.url}/watch/demo`);
      niceChromium(10); // the page's renderer exists once it navigated
      const deadline = Date.now() + 30_000;
      let marks: { firstFrame?: number; live?: number } = {};
      while (Date.now() < deadline && marks.live === undefined) {
        await sleep(100);
        marks = (await page.evaluate('globalThis.firstFrameMarks')) as typeof marks;
      }
      if (marks.firstFrame !== undefined) firstFrame.push(marks.firstFrame);
      if (marks.live !== undefined) toLive.push(marks.live);
      if (i === OPENS - 1) {
        // The last open's requests up to its first frame: what it waited for, and in what order.
        const entries = (await page.evaluate(`performance.getEntriesByType('resource').map((e) => ({ url: e.name.replace(location.origin, ''), startMs: Math.round(e.startTime), endMs: Math.round(e.responseEnd) }))`)) as typeof chain;
        const navigation = (await page.evaluate(`Math.round(performance.getEntriesByType('navigation')[0].responseEnd)`)) as number;
        chain = [{ url: '/watch/demo (the page)', startMs: 0, endMs: navigation }, ...entries.filter((e) => e.startMs <= (marks.firstFrame ?? Infinity))];
      }
      process.stdout.write(`open ${i + 1}: first frame ${Math.round(marks.firstFrame ?? -1)} ms, live ${Math.round(marks.live ?? -1)} ms\n`);
      await context.close();
    }
  } finally {
    await browser.close();
    await plenary.close();
  }
  const summary = {
    machine: machine(),
    ladder,
    opens: OPENS,
    liveWithinMs: LIVE_WITHIN_MS,
    firstFrameMs: summarise(firstFrame),
    toLiveMs: summarise(toLive),
    missed: { firstFrame: OPENS - firstFrame.length, live: OPENS - toLive.length },
    lastOpenRequestsBeforeFirstFrame: chain,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  writeResults(`first-frame-${ladder.replace(/,/g, '-')}`, summary);
}

runBenchmark(main);

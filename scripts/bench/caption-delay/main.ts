// Benchmark: how long a caption line takes from the captioner's Enter to a
// viewer's screen. Lines are posted as the captioner page posts them (its link's
// token, POST /api/conferences/demo/captions), one every 2 s, each unique; the
// real watch page in Chromium, captions on, records when each line's cue becomes
// active on the <video> (cuechange). Delay = shown - sent, on one machine's clock.
// It is made of: the line timed to the program now (CAPTION_DELAY_MS = 0), the
// WebVTT part that carries it (a part long), the player's distance behind the live
// edge (LL-HLS, PART-HOLD-BACK three parts) and hls.js's subtitle playlist reloads.
//
//   npm run bench:caption-delay      (BROADCAST_LADDER=360p by default, 30 lines; BROADCAST_PART_SECONDS=0.5 another part length)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../../server/src/app/config';
import { startPlenary } from '../../../server/src/app/plenary';
import { launchChromium } from '../../../server/src/test/browser';
import { ControlClient, rawEmit } from '../../../server/src/test/control-client';
import { machine } from '../lib/machine';
import { partLengthRun, runBenchmark, writeResults } from '../lib/output';
import { sleep, summarise } from '../lib/stats';

const LINES = Number(process.env.LINES ?? 30);
const EVERY_MS = 2000;

/** In the page: when each cue's text first became active on the showing captions track (page clock, ms). */
const WATCH_CUES = `() => {
  globalThis.shownAt = {};
  const video = document.querySelector('#broadcast');
  const follow = (track) => track.addEventListener('cuechange', () => {
    for (const cue of [...(track.activeCues ?? [])]) {
      if (!(cue.text in globalThis.shownAt)) globalThis.shownAt[cue.text] = Date.now();
    }
  });
  [...video.textTracks].forEach(follow);
  video.textTracks.addEventListener('addtrack', (event) => follow(event.track));
}`;

async function main() {
  const ladder = process.env.BROADCAST_LADDER ?? '360p';
  const archive = await mkdtemp(join(tmpdir(), 'plenary-bench-captions-'));
  const run = partLengthRun('caption-delay');
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: ladder, ARCHIVE_DIR: archive, PLENARY_ADMIN_KEY: 'bench-admin-key-0123456789', ...run.env });
  const plenary = await startPlenary(config, pino({ level: 'warn' }), { demo: true });
  const browser = await launchChromium();
  const hostSecret = new URL(plenary.demo?.hostUrl ?? '').hash.replace('#key=', '');
  const presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret });
  const sent: { text: string; at: number }[] = [];
  let shownAt: Record<string, number> = {};
  try {
    // A channel of its own: the demo's simulated captioner types in cc-zh and cc-en.
    await presider.command({ type: 'addCaptionChannel', language: 'ko', name: 'Benchmark' });
    const link = (await rawEmit(presider, 'captionerLink', { channelId: 'cc-ko' })) as { data: { url: string } };
    const token = link.data.url.slice(link.data.url.lastIndexOf('/') + 1);
    const page = await browser.newPage();
    await page.goto(`${plenary.url}/watch/demo`);
    const menu = page.getByTestId('captions-menu');
    await menu.waitFor({ timeout: 60_000 });
    await page.evaluate(`(${WATCH_CUES})()`);
    await menu.selectOption({ label: 'Benchmark' });
    await sleep(10_000); // playing at its usual distance from the live edge
    for (let i = 0; i < LINES; i++) {
      const text = `line ${i} ${Math.random().toString(36).slice(2, 8)}`;
      const at = Date.now();
      const res = await fetch(`${plenary.url}/api/conferences/demo/captions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ text }) });
      if (res.status === 201) sent.push({ text, at });
      await sleep(EVERY_MS);
    }
    await sleep(5000);
    shownAt = (await page.evaluate('globalThis.shownAt')) as Record<string, number>;
  } finally {
    presider.close();
    await browser.close();
    await plenary.close();
    await rm(archive, { recursive: true, force: true });
  }
  const delays = sent.flatMap(({ text, at }) => (shownAt[text] !== undefined ? [shownAt[text] - at] : []));
  const result = { sent: sent.length, shown: delays.length, delayMs: summarise(delays) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  writeResults(run.results, {
    machine: machine(),
    ladder,
    partSeconds: config.broadcastPartSeconds,
    player: 'the watch page (hls.js 1.7.4 full build, low-latency mode) in Chromium (Debian), captions on; CAPTION_DELAY_MS 0',
    ...result,
  });
}

runBenchmark(main);

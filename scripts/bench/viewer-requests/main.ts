// Benchmark: what one viewer asks of the origin. The real watch page (hls.js 1.7
// full build, low-latency mode) plays the demo's broadcast in Chromium; every
// request it makes under /hls/ is counted by kind, with the bytes it received,
// for 30 s after a warm-up: as it opens (the original sound, captions off), with
// captions on (one WebVTT rendition), with the English interpretation
// (another audio rendition in place of the original), and with the
// sign-language picture in the corner (the same renditions, a busier picture). This is the number the
// capacity plan multiplies by the audience. The watch page used hls.js's light
// build before 2026-12-02, which played the video rendition only.
//
//   npm run bench:viewer-requests      (BROADCAST_LADDER=360p by default)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../../server/src/app/config';
import { startPlenary } from '../../../server/src/app/plenary';
import { launchChromium } from '../../../server/src/test/browser';
import { ControlClient } from '../../../server/src/test/control-client';
import { machine } from '../lib/machine';
import { runBenchmark, writeResults } from '../lib/output';
import { sleep } from '../lib/stats';

const WARMUP_MS = 10_000;
const SAMPLE_MS = 30_000;

/** What a request under /hls/ is for. */
function kindOf(path: string): string {
  const [, , , rendition = '', file = ''] = path.split('/');
  const track = rendition === 'audio' || rendition.startsWith('in-') ? 'audio' : rendition.startsWith('cc-') ? 'captions' : /^\d+p$/.test(rendition) ? 'video' : 'multivariant';
  if (file.endsWith('.m3u8')) return `${track} playlist`;
  if (file.startsWith('part-')) return `${track} part`;
  if (file.startsWith('segment-')) return `${track} segment`;
  if (file.startsWith('init-')) return `${track} init`;
  return track;
}

/** The presider puts the demo's Jilin City (a simulated venue) in the broadcast's corner. */
async function signLanguage(url: string, hostUrl: string): Promise<void> {
  const presider = await ControlClient.connect(url, { conferenceId: 'demo', hostSecret: new URL(hostUrl).hash.replace('#key=', '') });
  try {
    await presider.command({ type: 'setSignLanguage', venueId: 'sv-1' });
  } finally {
    presider.close();
  }
}

async function main() {
  const ladder = process.env.BROADCAST_LADDER ?? '360p';
  const archive = await mkdtemp(join(tmpdir(), 'plenary-bench-viewer-'));
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: ladder, ARCHIVE_DIR: archive, PLENARY_ADMIN_KEY: 'bench-admin-key-0123456789' });
  const plenary = await startPlenary(config, pino({ level: 'warn' }), { demo: true });
  const browser = await launchChromium();
  const results: Record<string, { perSecond: number; kbitPerSecond: number; byKind: Record<string, number> }> = {};
  const modes = [
    { mode: 'captions off', menu: undefined },
    { mode: 'captions on (English)', menu: 'captions-menu' },
    { mode: 'interpretation (English)', menu: 'audio-menu' },
    { mode: 'sign-language corner', menu: undefined, sign: true },
  ];
  try {
    for (const { mode, menu: menuId, sign } of modes) {
      if (sign) await signLanguage(plenary.url, plenary.demo?.hostUrl ?? '');
      const page = await browser.newPage();
      let counting = false;
      const counts: Record<string, number> = {};
      let bytes = 0;
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (!counting || !path.startsWith('/hls/')) return;
        const kind = kindOf(path);
        counts[kind] = (counts[kind] ?? 0) + 1;
      });
      page.on('requestfinished', (request) => {
        if (!counting || !new URL(request.url()).pathname.startsWith('/hls/')) return;
        void request.sizes().then((sizes) => (bytes += sizes.responseBodySize + sizes.responseHeadersSize), () => undefined);
      });
      await page.goto(`${plenary.url}/watch/demo`);
      if (menuId) {
        const menu = page.getByTestId(menuId);
        await menu.waitFor({ timeout: 60_000 });
        await menu.selectOption({ label: 'English' });
      }
      await sleep(WARMUP_MS);
      counting = true;
      await sleep(SAMPLE_MS);
      counting = false;
      const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
      const perSecond = (n: number) => Math.round((n / (SAMPLE_MS / 1000)) * 100) / 100;
      results[mode] = { perSecond: perSecond(total), kbitPerSecond: Math.round((bytes * 8) / SAMPLE_MS), byKind: Object.fromEntries(Object.entries(counts).sort().map(([kind, n]) => [kind, perSecond(n)])) };
      process.stdout.write(`${mode}: ${JSON.stringify(results[mode])}\n`);
      await page.close();
    }
  } finally {
    await browser.close();
    await plenary.close();
    await rm(archive, { recursive: true, force: true });
  }
  const off = results['captions off']?.perSecond ?? 0;
  const on = results['captions on (English)']?.perSecond ?? 0;
  const ratio = (mode: string) => Math.round(((results[mode]?.kbitPerSecond ?? 0) / (results['captions off']?.kbitPerSecond || 1)) * 100) / 100;
  writeResults('viewer-requests', {
    machine: machine(),
    ladder,
    player: 'the watch page (hls.js 1.7.4 full build, low-latency mode) in Chromium (Debian), 0.5 s parts, 2 s segments',
    results,
    captionsOnVsOff: off > 0 ? Math.round((on / off) * 100) / 100 : undefined,
    bytesVsPlain: { captions: ratio('captions on (English)'), interpretation: ratio('interpretation (English)'), signLanguage: ratio('sign-language corner') },
  });
}

runBenchmark(main);

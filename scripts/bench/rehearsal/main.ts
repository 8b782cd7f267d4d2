// Benchmark: a rehearsal as on the day (issue 30). Three sub-venues in Chromium (a 640x480 camera
// and a tone of their own each; Jilin City's browser takes over from the demo's simulated camera),
// the main venue simulated, the floor moving every 20 s among them, the demo's captioner in two
// languages, and an interpreter's browser taking the English channel over from the simulated voice
// for part of the run. Two viewers (hls.js in Chromium): one on the original sound, one on English.
// The browsers run niced (10), as in the other browser benchmarks. Measured:
// - every rendition of the multivariant playlist as a player sees it: how far its newest part
//   trails the clock (p50 / p95 / max), how far it trails the picture's newest part at worst, and
//   the longest time without a new part;
// - each viewer's stalls: playback standing still while not paused, and for how long;
// - from the presider's command to the viewer seeing the new speaker's picture and caption
//   (each frame's colour read as it is shown; the caption as it changes), p50 / p95.
//
//   npm run bench:rehearsal    REHEARSAL_SECONDS=600 FLOOR_EVERY_SECONDS=20
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DemoInChromium, launchChromium } from '../../../server/src/test/browser';
import { ControlClient, rawEmit } from '../../../server/src/test/control-client';
import { joinToken, startTestPlenary } from '../../../server/src/test/harness';
import { cameraFile, seesSpeaker, toneFile, type Rgb } from '../../../server/src/test/pictures';
import { RenditionWatch } from '../../../server/src/test/renditions';
import { DEMO_JILIN, DEMO_MAIN, type RehearsalVenue } from '../../../server/src/test/rehearsal';
import { machine } from '../lib/machine';
import { runBenchmark, writeResults } from '../lib/output';
import { niceChromium } from '../lib/processes';
import { sleep, summarise } from '../lib/stats';

const SECONDS = Number(process.env.REHEARSAL_SECONDS ?? 600);
const FLOOR_EVERY_MS = Number(process.env.FLOOR_EVERY_SECONDS ?? 20) * 1000;
const LADDER = process.env.BROADCAST_LADDER ?? '360p';
/** How many sub-venues are browsers (the others simulated): three with the interpreter's is six pages decoding video on two cores. */
const BROWSERS = Number(process.env.REHEARSAL_BROWSER_VENUES ?? 3);

type Venue = RehearsalVenue;
const MAIN = DEMO_MAIN;
const BROWSER_VENUES: Venue[] = [
  { venueId: 'sv-3', name: 'Yanji', colour: { r: 40, g: 40, b: 210 }, hz: 1000 },
  { venueId: 'sv-2', name: 'Siping', colour: { r: 40, g: 170, b: 40 }, hz: 350 },
  { venueId: 'sv-1', name: 'Jilin City', colour: { r: 210, g: 40, b: 40 }, hz: 300 },
].slice(0, BROWSERS);
/** Jilin City, simulated (the demo's), when it is not a browser. */
const JILIN_SIMULATED = DEMO_JILIN;
const INTERPRETER_HZ = 880;
/** Whether an interpreter's browser takes the English channel over for part of the run (REHEARSAL_INTERPRETER=off: never). */
const INTERPRETER = process.env.REHEARSAL_INTERPRETER !== 'off';

/** Counts the page's playback standing still (not paused) from now: how often and for how long (runs in the page). */
const STANDS = `(() => {
  const video = document.querySelector('#broadcast');
  const record = { stalls: 0, stoodMs: 0, longestMs: 0 };
  let last = video.currentTime;
  let still = 0;
  setInterval(() => {
    if (!video.paused && video.currentTime === last) {
      if (still === 0) record.stalls++;
      still += 250;
      record.stoodMs += 250;
      record.longestMs = Math.max(record.longestMs, still);
    } else still = 0;
    last = video.currentTime;
  }, 250);
  globalThis.standing = record;
})()`;

async function openViewer(browser: Browser, url: string, audio: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  const menu = page.getByTestId('audio-menu');
  await menu.waitFor({ timeout: 60_000 });
  await menu.selectOption({ label: audio });
  await page.evaluate(STANDS);
  return page;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'plenary-rehearsal-bench-'));
  const plenary = await startTestPlenary({ DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: LADDER }, { demo: true });
  const presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret: DemoInChromium.hostSecret(plenary) });
  const browsers: Browser[] = [];
  const watch = new RenditionWatch(`${plenary.url}/hls/demo`);
  try {
    // One browser per venue (each its own fake camera and microphone), one for the interpreter.
    for (const venue of BROWSER_VENUES) {
      const browser = await launchChromium([`--use-file-for-fake-video-capture=${cameraFile(dir, venue.venueId, venue.colour)}`, `--use-file-for-fake-audio-capture=${toneFile(dir, venue.venueId, venue.hz)}`]);
      browsers.push(browser);
      const page = await browser.newPage();
      await page.goto(`${plenary.url}/join/${await joinToken(plenary.url, 'demo', venue.venueId)}`);
      await page.getByRole('button', { name: 'Join the conference' }).click({ timeout: 30_000 });
      await page.getByRole('status').filter({ hasText: 'Listening' }).waitFor({ timeout: 30_000 });
    }
    const booth = await launchChromium([`--use-file-for-fake-audio-capture=${toneFile(dir, 'interpreter', INTERPRETER_HZ)}`]);
    browsers.push(booth);
    const [first, second] = browsers as [Browser, Browser];
    const original = await openViewer(first, `${plenary.url}/watch/demo`, 'Original');
    const english = await openViewer(second, `${plenary.url}/watch/demo`, 'English');
    // The browsers yield to Plenary (nice 10): on the day they are on other machines, and on two
    // cores six pages decoding video starve the encoder (measured: 15 s behind in a first try).
    niceChromium(10);
    watch.reset();
    const started = Date.now();
    const interpreterLink = (await rawEmit(presider, 'interpreterLink', { channelId: 'in-en' })) as { data: { url: string } };
    let interpreter: Page | undefined;
    const venues = [MAIN, ...BROWSER_VENUES, ...(BROWSERS < 3 ? [JILIN_SIMULATED] : [])];
    // Main, then each sub-venue in turn, then main again: every kind of cut.
    const speakers = BROWSER_VENUES.concat(BROWSERS < 3 ? [JILIN_SIMULATED] : []).flatMap((v, i) => (i % 2 === 1 ? [v, MAIN] : [v]));
    const changes: { to: string; pictureMs?: number; captionMs?: number; seenMs?: number }[] = [];
    const interpreterEvents: { at: number; what: string }[] = [];
    for (let change = 0; Date.now() - started < SECONDS * 1000; change++) {
      const elapsed = (Date.now() - started) / 1000;
      // The interpreter's browser has the English channel from the second fifth of the run to the third.
      if (!interpreter && INTERPRETER && elapsed > SECONDS / 5 && elapsed < (3 * SECONDS) / 5) {
        interpreter = await booth.newPage();
        await interpreter.goto(`${plenary.url}${new URL(interpreterLink.data.url).pathname}`);
        await interpreter.getByRole('button', { name: 'Start interpreting' }).click({ timeout: 30_000 });
        niceChromium(10);
        interpreterEvents.push({ at: Math.round(elapsed), what: 'the interpreter\'s browser takes English over' });
      } else if (interpreter && elapsed >= (3 * SECONDS) / 5) {
        await interpreter.close();
        interpreter = undefined;
        interpreterEvents.push({ at: Math.round(elapsed), what: 'the interpreter leaves; the simulated voice again' });
      }
      const venue = speakers[change % speakers.length] as Venue;
      const others = venues.filter((v) => v !== venue).map((v) => v.colour);
      // Handled at once: the run may stop before it resolves.
      const seen = seesSpeaker(original, { colour: venue.colour, others, name: venue.name, timeoutMs: FLOOR_EVERY_MS }).catch(() => ({ pictureAt: undefined, captionAt: undefined }));
      const commandAt = Date.now();
      const given = await presider.command({ type: 'giveFloor', venueId: venue.venueId });
      if (!given.ok) throw new Error(`giveFloor ${venue.venueId}: ${given.error.code}`);
      const { pictureAt, captionAt } = await seen;
      const record = { to: venue.name, pictureMs: pictureAt && pictureAt - commandAt, captionMs: captionAt && captionAt - commandAt, seenMs: pictureAt && captionAt ? Math.max(pictureAt, captionAt) - commandAt : undefined };
      changes.push(record);
      process.stdout.write(`${Math.round(elapsed)} s: ${JSON.stringify(record)}\n`);
      await sleep(Math.max(0, commandAt + FLOOR_EVERY_MS - Date.now()));
    }
    await watch.stop();
    const standing = async (page: Page) => (await page.evaluate('globalThis.standing')) as { stalls: number; stoodMs: number; longestMs: number };
    const renditions = watch.records().map((r) => ({
      rendition: r.uri.split('/')[0],
      behindClockMs: summarise(r.behindClockMs),
      behindPictureMaxMs: Math.round(r.maxBehindLeaderMs),
      longestGapMs: r.longestGapMs,
    }));
    const seenMs = changes.flatMap((c) => (c.seenMs === undefined ? [] : [c.seenMs]));
    const summary = {
      machine: machine(),
      ladder: LADDER,
      browserVenues: BROWSER_VENUES.map((v) => v.name),
      seconds: SECONDS,
      floorEverySeconds: FLOOR_EVERY_MS / 1000,
      renditions,
      viewers: { original: await standing(original), english: await standing(english) },
      floorChanges: {
        n: changes.length,
        notSeen: changes.length - seenMs.length,
        seenMs: summarise(seenMs),
        pictureMs: summarise(changes.flatMap((c) => (c.pictureMs === undefined ? [] : [c.pictureMs]))),
        captionMs: summarise(changes.flatMap((c) => (c.captionMs === undefined ? [] : [c.captionMs]))),
      },
      interpreter: interpreterEvents,
      changes,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    writeResults(`rehearsal-${BROWSERS}-browsers${SECONDS === 600 ? '' : `-${SECONDS}s`}`, summary);
  } finally {
    await watch.stop();
    presider.close();
    for (const browser of browsers) await browser.close();
    await plenary.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark(main);

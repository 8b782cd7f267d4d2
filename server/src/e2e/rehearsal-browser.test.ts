import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Plenary } from '../app/plenary';
import { DemoInChromium, launchChromium } from '../test/browser';
import { ControlClient } from '../test/control-client';
import { eventually, joinToken, startTestPlenary } from '../test/harness';
import { heardBy } from '../test/hearing';
import { cameraFile, shows, toneFile } from '../test/pictures';
import { RenditionWatch } from '../test/renditions';
import { DEMO_JILIN, DEMO_MAIN, type RehearsalVenue } from '../test/rehearsal';

type Venue = RehearsalVenue;

// The demo's main venue and Jilin City are simulated (each a colour and a tone of its own);
// Siping and Yanji are browsers with a webcam's 640x480 picture and a tone of their own.
const MAIN = DEMO_MAIN;
const JILIN = DEMO_JILIN;
const SIPING: Venue = { venueId: 'sv-2', name: 'Siping', colour: { r: 40, g: 170, b: 40 }, hz: 350 };
const YANJI: Venue = { venueId: 'sv-3', name: 'Yanji', colour: { r: 40, g: 40, b: 210 }, hz: 1000 };

/**
 * A tone within this of the room's noise floor, and under HEARD_DB, is not there: the coding
 * noise around the main venue's loud tone reads about -100 dB at the others' frequencies (a
 * venue hearing itself read -66 dB, as loud as the other rooms heard it).
 */
const ABSENT_DB = 10;
/** A tone played back to a room reads about -65 dB; over this, it is heard. */
const HEARD_DB = -85;
/** How long each speaker has the floor at least. */
const SPEECH_MS = 10_000;

/**
 * The day as it runs: sub-venues in real browsers, the floor moving among them, a simulated
 * venue and the main venue; an interpreter on English and a captioner in two languages (the
 * demo's). What the people there would notice is checked: every rendition of the broadcast keeps
 * going, a viewer who chose English keeps watching, each room hears every speaker but itself,
 * the caption names who is in the picture.
 */
describe('rehearsal: two browser venues, a simulated one and the main venue, the floor among them', () => {
  let plenary: Plenary;
  let presider: ControlClient;
  let dir: string;
  const browsers = new Map<Venue, Browser>();
  const rooms = new Map<Venue, Page>();
  let english: Page;
  let watch: RenditionWatch;
  /** The English viewer's playback position, once a second: [wall ms, seconds]. */
  const played: [number, number][] = [];
  /** What the presider did when, for a failure's message. */
  const done: string[] = [];
  let sampling: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plenary-rehearsal-'));
    plenary = await startTestPlenary({ DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '360p' }, { demo: true });
    presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret: DemoInChromium.hostSecret(plenary) });
    // One browser per venue: every page of a browser has the same fake camera and microphone.
    for (const venue of [SIPING, YANJI]) {
      const camera = cameraFile(dir, venue.venueId, venue.colour);
      const microphone = toneFile(dir, venue.venueId, venue.hz);
      browsers.set(venue, await launchChromium([`--use-file-for-fake-video-capture=${camera}`, `--use-file-for-fake-audio-capture=${microphone}`]));
    }
  });

  afterAll(async () => {
    clearInterval(sampling);
    await watch?.stop();
    presider?.close();
    for (const browser of browsers.values()) await browser.close();
    await plenary?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const give = async (venue: Venue) => {
    done.push(`${new Date().toISOString()} floor to ${venue.name}`);
    const answer = await presider.command({ type: 'giveFloor', venueId: venue.venueId });
    if (!answer.ok) throw new Error(`giveFloor ${venue.venueId}: ${answer.error.code}`);
  };

  /** What each browser room plays, at every venue's tone: [room, levels by venue]. */
  const hearing = async () => {
    const venues = [MAIN, JILIN, SIPING, YANJI];
    const heard = new Map<Venue, Map<Venue, number>>();
    for (const [room, page] of rooms) {
      const levels = await heardBy(page, venues.map((v) => v.hz));
      heard.set(room, new Map(venues.map((v, i) => [v, levels[i] as number])));
    }
    return heard;
  };

  /** The floor goes to `venue`: the viewer sees its picture and its name, and every room hears it but itself. */
  async function floorTo(venue: Venue) {
    const given = Date.now();
    await give(venue);
    await shows(english, '#broadcast', venue.colour, 45_000, [MAIN, JILIN, SIPING, YANJI].map((v) => v.colour));
    await english.getByTestId('speaker-caption').filter({ hasText: `Now speaking: ${venue.name}` }).waitFor({ timeout: 20_000 });
    if (venue === MAIN) return holdFloor(given);
    // The rooms that should hear the speaker do (within a few seconds of the floor change) ...
    let heard = await hearing();
    const listeners = [...rooms.keys()].filter((room) => room !== venue);
    await eventually(async () => {
      heard = await hearing();
      return listeners.every((room) => (heard.get(room)?.get(venue) ?? -200) > HEARD_DB);
    }, 20_000).catch((error: Error) => {
      throw new Error(`${error.message}: the rooms did not hear ${venue.name}: ${levelsText(heard)}`);
    });
    // ... and the venue on air does not hear itself: its own tone is absent from what its page plays.
    const own = rooms.get(venue);
    if (own) {
      for (let look = 0; look < 3; look++) {
        heard = await hearing();
        // The room's noise floor: Jilin City's tone, which nobody plays while it is off air.
        const self = heard.get(venue)?.get(venue) ?? -200;
        const floor = heard.get(venue)?.get(JILIN) ?? -200;
        expect({ hearing: levelsText(heard), selfAbsent: self < HEARD_DB && self < floor + ABSENT_DB }).toEqual({ hearing: levelsText(heard), selfAbsent: true });
      }
    }
    // The main venue's presider is heard in every sub-venue throughout.
    for (const room of rooms.keys()) expect(heard.get(room)?.get(MAIN) ?? -200).toBeGreaterThan(HEARD_DB);
    await holdFloor(given);
  }

  /** Each speaker speaks a while, as on the day (and the continuity checks get enough to judge). */
  const holdFloor = (given: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, given + SPEECH_MS - Date.now())));

  it('joins two sub-venues from their browsers, and a viewer chooses English', async () => {
    for (const venue of [SIPING, YANJI]) {
      const page = await (browsers.get(venue) as Browser).newPage();
      await page.goto(`${plenary.url}/join/${await joinToken(plenary.url, 'demo', venue.venueId)}`);
      await page.getByRole('button', { name: 'Join the conference' }).click({ timeout: 20_000 });
      await page.getByRole('status').filter({ hasText: 'Listening' }).waitFor({ timeout: 20_000 });
      rooms.set(venue, page);
    }
    english = await (browsers.get(SIPING) as Browser).newPage();
    await english.goto(`${plenary.url}/watch/demo`);
    const menu = english.getByTestId('audio-menu');
    await menu.waitFor({ timeout: 45_000 });
    await menu.selectOption({ label: 'English' });
    await shows(english, '#broadcast', MAIN.colour, 45_000, [MAIN, JILIN, SIPING, YANJI].map((v) => v.colour));
    watch = new RenditionWatch(`${plenary.url}/hls/demo`);
    sampling = setInterval(() => {
      void english.evaluate("document.querySelector('#broadcast').currentTime").then((t) => played.push([Date.now(), t as number]), () => undefined);
    }, 1000);
  }, 180_000);

  it.each([
    ['Siping (a browser)', SIPING],
    ['the main venue', MAIN],
    ['Yanji (a browser)', YANJI],
    ['Jilin City (simulated)', JILIN],
    ['Siping again', SIPING],
  ])('gives the floor to %s: the viewer sees and hears it, every other room hears it, the venue on air does not hear itself', async (_, venue) => {
    await floorTo(venue);
  }, 120_000);

  it('kept every rendition making parts in step with the picture, and the English viewer watching, through every floor change', async () => {
    await watch.stop();
    clearInterval(sampling);
    const records = watch.records();
    const listed = records.map((r) => r.uri.split('/')[0]);
    // Each video rung, the original audio, the English channel, both caption tracks.
    expect(listed).toEqual(expect.arrayContaining(['360p', 'audio', 'in-en', 'cc-zh', 'cc-en']));
    const summaries = records.map((record) => {
      const sorted = [...record.behindClockMs].sort((a, b) => a - b);
      return { rendition: record.uri.split('/')[0], behindLeaderMaxMs: Math.round(record.maxBehindLeaderMs), behindLeaderAtEndMs: Math.round(record.lastBehindLeaderMs), longestGapMs: record.longestGapMs, behindClockP50Ms: Math.round(sorted[Math.floor(sorted.length / 2)] ?? Infinity), looks: record.looks };
    });
    // Judged against the picture (the first video rendition), so that a loaded machine holding the
    // whole encoder up does not count. Every rendition comes back to the picture (within 2 s at the
    // last look) and never falls more than 15 s behind it. Measured: within 1 s on a quiet
    // machine; the English channel 3 s behind once in CI and 6 s under two CPU hogs, then back
    // (README, known). Near the clock: half a second behind it, typically. (The English channel
    // that stopped fell a second behind every second, to 84 s, and never came back.)
    const astray = summaries.filter((s) => s.behindLeaderMaxMs > 15_000 || s.behindLeaderAtEndMs > 2000 || s.behindClockP50Ms > 3000 || s.looks < 100);
    expect({ astray, summaries }).toEqual({ astray: [], summaries });
    // The viewer who chose English kept playing: in every 5 s, at least 2 s of the broadcast.
    const stood: string[] = [];
    for (const [at, time] of played) {
      const later = played.find(([when]) => when >= at + 5000);
      if (later && later[1] - time < 2) stood.push(`${new Date(at).toISOString()}: ${(later[1] - time).toFixed(1)} s in 5 s`);
    }
    expect({ stood, done }).toEqual({ stood: [], done });
    expect(played.length).toBeGreaterThan(40);
  });

  // Putting the sign-language picture in the corner starts the encoder again (a discontinuity for
  // every viewer, seconds long): after the checks of continuity above.
  it('keeps the speaker\'s caption for a viewer who joins long after the floor change, with the sign-language picture on since', async () => {
    // Siping has had the floor since the last step.
    done.push(`${new Date().toISOString()} sign language on`);
    const signed = await presider.command({ type: 'setSignLanguage', venueId: JILIN.venueId });
    expect(signed.ok).toBe(true);
    // The speaker's range and the sign-language one both begin before the live window (20 s).
    await new Promise((resolve) => setTimeout(resolve, 25_000));
    const late = await (browsers.get(YANJI) as Browser).newPage();
    await late.goto(`${plenary.url}/watch/demo`);
    await late.getByTestId('speaker-caption').filter({ hasText: `Now speaking: ${SIPING.name}` }).waitFor({ timeout: 45_000 });
    await late.close();
  }, 120_000);
});

function levelsText(heard: Map<Venue, Map<Venue, number>>): string {
  return [...heard].map(([room, levels]) => `${room.name} hears ${[...levels].map(([v, db]) => `${v.name} ${db.toFixed(0)} dB`).join(', ')}`).join('; ');
}

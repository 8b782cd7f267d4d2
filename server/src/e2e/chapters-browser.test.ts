import type { Browser } from 'playwright-core';
import * as HLS from 'hls-parser';
import type { Plenary } from '../app/plenary';
import { launchChromium } from '../test/browser';
import { ControlClient } from '../test/control-client';
import { eventually, startTestPlenary } from '../test/harness';

type Chapter = { venueId: string; venue: string; item: string | undefined; at: number; offset: number };

describe('an ended conference, one chapter per speech', () => {
  let plenary: Plenary;
  let browser: Browser;

  beforeAll(async () => {
    plenary = await startTestPlenary({ DEMO_SIMULATED_VENUES: '2', BROADCAST_LADDER: '240p' }, { demo: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await plenary?.close();
  });

  /** Waits until the live playlist says `venueId` is on air (its first frame is in the program). */
  const onAir = (venueId: string) =>
    eventually(async () => (await (await fetch(`${plenary.url}/hls/demo/240p/index.m3u8`)).text()).includes(`X-VENUE-ID="${venueId}"`), 30_000);

  it('lists who spoke under which agenda item and when, matching the floor changes, and the watch page jumps to each', async () => {
    const hostSecret = new URL(plenary.demo?.hostUrl ?? '').hash.replace('#key=', '');
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret });
    const floorChanges: number[] = [];
    try {
      await onAir('main');
      // The demo's agenda: the opening address (main), then the reports from Jilin City and Siping.
      expect(await presider.command({ type: 'advanceAgenda', giveFloor: true })).toMatchObject({ ok: true });
      await new Promise((resolve) => setTimeout(resolve, 2500));
      for (const venueId of ['sv-1', 'sv-2']) {
        floorChanges.push(Date.now());
        expect(await presider.command({ type: 'advanceAgenda', giveFloor: true })).toMatchObject({ ok: true });
        await onAir(venueId);
        await new Promise((resolve) => setTimeout(resolve, 2500));
      }
      expect(await presider.command({ type: 'endConference' })).toMatchObject({ ok: true });
    } finally {
      presider.close();
    }

    const recorded = await eventually(async () => {
      const text = await (await fetch(`${plenary.url}/hls/demo/240p/index.m3u8`)).text();
      return text.includes('#EXT-X-ENDLIST') ? (HLS.parse(text) as HLS.types.MediaPlaylist) : undefined;
    }, 20_000);
    const length = recorded.segments.reduce((sum, segment) => sum + segment.duration, 0);
    const { chapters } = (await (await fetch(`${plenary.url}/hls/demo/chapters.json`)).json()) as { chapters: Chapter[] };
    expect(chapters.map((c) => [c.venue, c.item])).toEqual([
      ['Changchun main venue', 'Opening address'],
      ['Jilin City', 'Report from Jilin City'],
      ['Siping', 'Report from Siping'],
    ]);
    // Each speech starts after the floor was given (at its first frame), in order, inside the recording.
    expect(chapters[1]!.at).toBeGreaterThan(floorChanges[0]!);
    expect(chapters[2]!.at).toBeGreaterThan(floorChanges[1]!);
    expect(chapters.map((c) => c.offset)).toEqual([...chapters.map((c) => c.offset)].sort((a, b) => a - b));
    expect(chapters.at(-1)!.offset).toBeLessThan(length);

    // The watch page of the ended conference lists them; choosing one plays from there.
    const page = await browser.newPage();
    await page.goto(`${plenary.url}/watch/demo`);
    const list = page.getByTestId('chapters');
    await list.waitFor({ timeout: 30_000 });
    expect(await list.locator('li').count()).toBe(3);
    await list.getByRole('button', { name: /Siping/ }).click();
    const position = await eventually(async () => {
      const now = (await page.evaluate("document.querySelector('#broadcast').currentTime")) as number;
      return Math.abs(now - chapters[2]!.offset) < 1.5 ? now : undefined;
    }, 15_000);
    expect(position).toBeGreaterThan(0);
  });
});

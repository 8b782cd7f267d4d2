import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plenary-download-test-'));
    plenary = await startTestPlenary({ DEMO_SIMULATED_VENUES: '2', BROADCAST_LADDER: '240p' }, { demo: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await plenary?.close();
    await rm(dir, { recursive: true, force: true });
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

    // And it offers the recording as files: each one reads whole, as long as recorded, with the chapters.
    const downloads = page.getByTestId('downloads');
    await downloads.waitFor({ timeout: 10_000 });
    expect(await downloads.locator('a').allTextContents()).toEqual(['Video, 240p, with the original sound (MP4)', 'The original sound (M4A)', 'Interpretation into en (M4A)']);
    const href = await downloads.getByRole('link', { name: /Video, 240p/ }).getAttribute('href');
    const file = join(dir, 'download.mp4');
    const res = await fetch(`${plenary.url}${href}`);
    expect(res.headers.get('content-disposition')).toContain('demo-240p.mp4');
    await writeFile(file, Buffer.from(await res.arrayBuffer()));
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name:chapter=start_time:chapter_tags=title', '-of', 'json', file], { encoding: 'utf8' })) as {
      format: { duration: string };
      streams: { codec_type: string; codec_name: string }[];
      chapters: { start_time: string; tags: { title: string } }[];
    };
    // (MP4 chapters come with a chapter track of their own, besides the Nero list.)
    expect(probe.streams.filter((s) => s.codec_type !== 'data').map((s) => `${s.codec_type}:${s.codec_name}`)).toEqual(['video:h264', 'audio:aac']);
    expect(Math.abs(Number(probe.format.duration) - length)).toBeLessThan(1);
    expect(probe.chapters.map((c) => c.tags.title)).toEqual(['Changchun main venue — Opening address', 'Jilin City — Report from Jilin City', 'Siping — Report from Siping']);
    expect(probe.chapters.map((c) => Math.round(Number(c.start_time)))).toEqual(chapters.map((c) => Math.round(c.offset)));
    // Decoded to the end without an error.
    expect(execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');
    // A live conference's, or a rendition it never had, is not there.
    expect((await fetch(`${plenary.url}/hls/demo/downloads/4320p.mp4`)).status).toBe(404);
  });
});

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Plenary } from '../app/plenary';
import { launchChromium, recordPolicyViolations } from '../test/browser';
import { cameraFile, colourOf, seesSpeaker, shows, type Rgb } from '../test/pictures';
import { ControlClient } from '../test/control-client';
import { createTestConference, eventually, startTestPlenary, threeVenues, tokenOf, type CreatedConference } from '../test/harness';

const YELLOW: Rgb = { r: 210, g: 210, b: 40 }; // the main venue (simulated)
const BLUE: Rgb = { r: 40, g: 80, b: 220 }; // Jilin City's camera (a y4m file)
const MAGENTA: Rgb = { r: 200, g: 40, b: 200 }; // Siping's camera

const SCREENSHOTS = join(__dirname, '..', '..', '..', 'test-output', 'screenshots');

describe('the three faces in real browsers', () => {
  let plenary: Plenary;
  let created: CreatedConference;
  let dir: string;
  const browsers: Browser[] = [];
  let console_: Page;
  let jilin: Page;
  let siping: Page;
  let viewer: Page;
  /** Anything a face's Content-Security-Policy blocked, on any page of these tests. */
  const blocked: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plenary-faces-'));
    await mkdir(SCREENSHOTS, { recursive: true });
    // The lightest ladder: three Chromiums with cameras share the two cores with the encoder.
    plenary = await startTestPlenary({ BROADCAST_LADDER: '240p' });
    created = await createTestConference(plenary.url, threeVenues('faces'));
    const room = await plenary.media.room('faces');
    await room.addSimulatedVenue('main', 'Changchun', YELLOW);
    await room.setOnAir('main');
    // One browser per venue, each with its own camera picture; the presider's also holds the viewer's tab.
    for (const camera of [undefined, cameraFile(dir, 'jilin', BLUE, '640x360'), cameraFile(dir, 'siping', MAGENTA, '640x360')]) {
      browsers.push(await launchChromium(camera ? [`--use-file-for-fake-video-capture=${camera}`] : []));
    }
  });

  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await plenary?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('presider console, two sub-venues and a viewer: a request, a floor change, and everyone sees the new speaker', async () => {
    const [presiderBrowser, jilinBrowser, sipingBrowser] = browsers as [Browser, Browser, Browser];
    const context = await presiderBrowser.newContext({ viewport: { width: 1400, height: 1000 } });
    console_ = recordPolicyViolations(await context.newPage(), blocked);
    await console_.goto(`${plenary.url}/host/faces#key=${created.hostSecret}`);
    await console_.getByRole('button', { name: 'Return floor to main venue' }).waitFor();
    await console_.getByRole('status').filter({ hasText: 'ON AIR: Changchun' }).waitFor();

    // Each operator picks the camera (preview first), then joins.
    const joinAs = async (browser: Browser, index: number): Promise<Page> => {
      const page = recordPolicyViolations(await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage(), blocked);
      await page.goto(`${plenary.url}/join/${tokenOf(created.joinLinks[index]!.url)}`);
      await page.getByRole('button', { name: 'Join the conference' }).waitFor();
      await eventually(async () => (await colourOf(page, 'video.preview')) !== undefined, 20_000);
      if (index === 0) await page.screenshot({ path: join(SCREENSHOTS, 'sub-venue-before-joining.png'), fullPage: true });
      await page.getByRole('button', { name: 'Join the conference' }).click();
      await page.getByRole('status').filter({ hasText: 'Listening' }).waitFor({ timeout: 20_000 });
      return page;
    };
    jilin = await joinAs(jilinBrowser, 0);
    siping = await joinAs(sipingBrowser, 1);
    // Once joined, the operator still sees its own camera (it starts playing a moment after the join).
    await shows(siping, 'video[aria-label="Our camera"]', MAGENTA, 20_000);

    // The presider's grid shows each venue live (thumbnail pixels are the venue's camera).
    await shows(console_, 'li[aria-label="Jilin City"] video', BLUE);
    await shows(console_, 'li[aria-label="Siping"] video', MAGENTA);

    // A viewer opens the watch page: the main venue on air, named by the stream's metadata.
    viewer = recordPolicyViolations(await (await presiderBrowser.newContext({ viewport: { width: 390, height: 844 } })).newPage(), blocked);
    await viewer.goto(`${plenary.url}/watch/faces`);
    await shows(viewer, '#broadcast', YELLOW, 60_000);
    await viewer.getByTestId('speaker-caption').filter({ hasText: 'Now speaking: Changchun' }).waitFor({ timeout: 20_000 });

    // Siping asks for the floor: it is queued, and the presider sees the raised hand.
    await siping.getByRole('button', { name: 'Request the floor' }).click();
    await siping.getByRole('status').filter({ hasText: 'Queued: position 1' }).waitFor();
    await console_.locator('li[aria-label="Siping"]').getByText('Raised hand').waitFor();
    await console_.getByRole('button', { name: 'Accept request from Siping' }).waitFor();

    // The presider gives Siping the floor; the viewer's page notes when its picture and its caption change.
    const seen = seesSpeaker(viewer, { colour: MAGENTA, others: [YELLOW, BLUE], name: 'Siping', timeoutMs: 40_000 });
    await console_.getByRole('button', { name: 'Give floor to Siping', exact: true }).click();
    await console_.getByRole('status').filter({ hasText: 'ON AIR: Siping' }).waitFor();
    await siping.getByRole('status').filter({ hasText: 'ON AIR: you have the floor' }).waitFor();

    // Jilin City sees Siping in its program view; the viewer's picture and caption follow.
    await shows(jilin, 'video[aria-label="Program"]', MAGENTA);
    const { pictureAt, captionAt } = await seen;
    expect(pictureAt).toBeDefined();
    expect(captionAt).toBeDefined();
    // The caption changed with the picture: it named Siping when Siping's first frames were shown,
    // not a poll or a segment later, nor before. (Within half a second: the caption follows the
    // frame's time exactly, but at 240p the encoder's frames after a cut take a few frames to
    // reach the new colour; measured -0.14 to +0.35 s.)
    expect(Math.abs((captionAt as number) - (pictureAt as number))).toBeLessThan(500);

    await console_.screenshot({ path: join(SCREENSHOTS, 'presider-console.png'), fullPage: true });
    await jilin.screenshot({ path: join(SCREENSHOTS, 'sub-venue.png'), fullPage: true });
    await viewer.screenshot({ path: join(SCREENSHOTS, 'watch-phone.png'), fullPage: true });
    // All of it ran under the faces' Content-Security-Policy, and the policy blocked nothing.
    expect(blocked).toEqual([]);
  }, 240_000);

  it('a sub-venue that loses its network says so and recovers by itself, without a reload', async () => {
    const room = await plenary.media.room('faces');
    const cameraBefore = room.producerOf('sv-1', 'video')?.id;
    expect(cameraBefore).toBeDefined();
    await jilin.context().setOffline(true);
    await jilin.getByRole('status').filter({ hasText: 'Connection lost. Reconnecting…' }).waitFor({ timeout: 30_000 });
    await jilin.context().setOffline(false);
    await jilin.getByRole('status').filter({ hasText: 'Listening' }).waitFor({ timeout: 30_000 });
    await eventually(async () => (await jilin.getByText('Connection lost. Reconnecting…').count()) === 0, 30_000);
    // Published again (a new camera producer at the SFU), seen again by the presider, and the program plays on.
    await eventually(() => { const now = room.producerOf('sv-1', 'video')?.id; return now !== undefined && now !== cameraBefore; }, 30_000);
    await shows(console_, 'li[aria-label="Jilin City"] video', BLUE);
    await shows(jilin, 'video[aria-label="Program"]', MAGENTA);
  }, 120_000);

  it('speaks Chinese when asked, and remembers it', async () => {
    await console_.getByRole('combobox', { name: 'Language' }).selectOption('zh');
    await console_.getByRole('button', { name: '发言权交回主会场' }).waitFor();
    await console_.getByRole('button', { name: '请Jilin City发言' }).waitFor();
    await console_.reload();
    await console_.getByRole('status').filter({ hasText: '直播中：Siping' }).waitFor({ timeout: 20_000 });
    await console_.screenshot({ path: join(SCREENSHOTS, 'presider-console-zh.png') });
  }, 60_000);

  it('tells a sub-venue whose link the presider replaced why it was cut off', async () => {
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'faces', hostSecret: created.hostSecret });
    try {
      expect(await presider.command({ type: 'rotateLink', venueId: 'sv-2' })).toMatchObject({ ok: true });
    } finally {
      presider.close();
    }
    await siping.getByRole('alert').filter({ hasText: 'This link does not work: This join link was replaced by a newer one; ask the presider for the current link' }).waitFor({ timeout: 20_000 });
  }, 60_000);

  it('tells a viewer the broadcast has not started, then shows the recording once the conference has ended', async () => {
    await createTestConference(plenary.url, { ...threeVenues('faces-later'), title: 'Later Session' });
    const early = recordPolicyViolations(await viewer.context().newPage(), blocked);
    await early.goto(`${plenary.url}/watch/faces-later`);
    await early.getByText('The broadcast has not started yet').waitFor({ timeout: 20_000 });
    await early.screenshot({ path: join(SCREENSHOTS, 'watch-not-started.png') });
    await early.close();

    // The presider ends the conference: the viewer's page switches to the recording by itself.
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'faces', hostSecret: created.hostSecret });
    try {
      expect(await presider.command({ type: 'endConference' })).toMatchObject({ ok: true });
    } finally {
      presider.close();
    }
    await viewer.getByText('The conference has ended. You are watching the recording.').waitFor({ timeout: 30_000 });
    // It is the recording (a finite duration, where live has none), and it plays.
    const duration = () => viewer.evaluate('document.querySelector("#broadcast").duration') as Promise<number>;
    await eventually(async () => Number.isFinite(await duration()) && (await duration()) > 10, 45_000);
    const position = () => viewer.evaluate('document.querySelector("#broadcast").currentTime') as Promise<number>;
    const first = await position();
    await eventually(async () => (await position()) > first + 1, 20_000);
    // The operators and the presider are told, and their pages stop asking for media.
    await jilin.getByText('The conference has ended.').waitFor();
    await console_.getByText('会议已结束。').waitFor();
    expect(await plenary.media.existingRoom('faces')).toBeUndefined();
    expect(blocked).toEqual([]);
  }, 120_000);
});

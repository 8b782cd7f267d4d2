import type { Page } from 'playwright-core';
import type { Plenary } from '../app/plenary';
import { ControlClient } from '../test/control-client';
import { TestBrowser, sessionProbe } from '../test/browser';
import { createTestConference, eventually, startTestPlenary, threeVenues, tokenOf, type CreatedConference } from '../test/harness';

/** The page's session helpers (client/src/session/probe.ts), as bundled into window.plenary. */
type Probe = {
  joinAsVenue(url: string, token: string): Promise<void>;
  watchVenueAsPresider(url: string, conferenceId: string, hostSecret: string, venueId: string, layer: number): Promise<void>;
  framesDecoded(): Promise<number>;
  videoSize(): { width: number; height: number };
};

/** Video frames the page has decoded so far. */
function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as { plenary: Probe }).plenary.framesDecoded());
}

describe('a sub-venue in a real browser', () => {
  let plenary: Plenary;
  let created: CreatedConference;
  let browser: TestBrowser;
  /** The sub-venue's tab, kept for the worker-death test. */
  let venueTab: Page;

  beforeAll(async () => {
    plenary = await startTestPlenary();
    created = await createTestConference(plenary.url, threeVenues('browser'));
    // The main venue's camera is a simulated one, so the program has a picture before anyone speaks.
    const room = await plenary.media.room('browser');
    await room.addSimulatedVenue('main', 'Changchun', { r: 210, g: 210, b: 40 });
    await room.setOnAir('main');
    browser = await TestBrowser.start();
  });

  afterAll(async () => {
    await browser?.close();
    await plenary?.close();
  });

  it('joins by its link, publishes its camera in simulcast, receives the program, and goes on air when given the floor', async () => {
    const workersBefore = plenary.workers.status().map((w) => w.pid);
    const tab = await browser.newTab();
    venueTab = tab;
    await tab.evaluate(
      ({ url, token }) => (globalThis as unknown as { plenary: Probe }).plenary.joinAsVenue(url, token),
      { url: plenary.url, token: tokenOf(created.joinLinks[0]!.url) },
    );

    // The venue is present and publishes a camera with two simulcast layers and a microphone.
    const room = await plenary.media.room('browser');
    const camera = await eventually(() => room.producerOf('sv-1', 'video'));
    expect(camera.type).toBe('simulcast');
    expect(camera.rtpParameters.encodings).toHaveLength(2);
    expect(room.producerOf('sv-1', 'audio')).toBeDefined();
    expect((await plenary.conferences.get('browser'))?.venues['sv-1']?.present).toBe(true);

    // It receives the program: frames decoded keep increasing.
    const first = await eventually(async () => {
      const frames = await framesDecoded(tab);
      return frames > 0 ? frames : undefined;
    }, 20_000);
    await eventually(async () => (await framesDecoded(tab)) > first + 10, 20_000);

    // Given the floor, its own camera goes on air, and the program keeps playing in the browser.
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'browser', hostSecret: created.hostSecret });
    try {
      expect(await presider.command({ type: 'giveFloor', venueId: 'sv-1' })).toMatchObject({ ok: true });
      await eventually(() => room.switcher.videoOnAir === 'sv-1', 10_000);
      const afterCut = await framesDecoded(tab);
      await eventually(async () => (await framesDecoded(tab)) > afterCut + 10, 20_000);
    } finally {
      presider.close();
    }
    // The DTLS handshake of a real browser did not take the worker down (it used to; see build-worker.sh).
    expect(plenary.workers.status().map((w) => w.pid)).toEqual(workersBefore);
  });

  it('shows the presider a venue as a low-layer thumbnail or at full size in focus', async () => {
    const open = async (layer: number) => {
      const presiderTab = await browser.newTab();
      await presiderTab.evaluate(
        ({ url, secret, wanted }) => (globalThis as unknown as { plenary: Probe }).plenary.watchVenueAsPresider(url, 'browser', secret, 'sv-1', wanted),
        { url: plenary.url, secret: created.hostSecret, wanted: layer },
      );
      const width = () => presiderTab.evaluate(() => (globalThis as unknown as { plenary: Probe }).plenary.videoSize().width);
      return { presiderTab, width };
    };
    // In focus: the full 640-wide picture once the bandwidth estimate allows the top layer.
    const focus = await open(1);
    await eventually(async () => (await focus.width()) === 640, 30_000);
    await focus.presiderTab.close();
    // A thumbnail: the low layer, half the width, and it stays there.
    const thumbnail = await open(0);
    await eventually(async () => (await thumbnail.width()) === 320, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await thumbnail.width()).toBe(320);
    await thumbnail.presiderTab.close();
  });

  it('stops sending its top simulcast layer while the program holds it lower, and sends it again once let go', async () => {
    // The program's hold itself (a step down on a short link) is sfu/src/program/layers.test.ts's;
    // here the plane announces one as it does then, and the real browser is what is watched.
    const probe = sessionProbe(venueTab);
    /** Frames each layer encoded over a second and a half (the browser's rids sort low layer first). */
    const encoding = async () => {
      const before = await probe.sent();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const after = await probe.sent();
      const frames = (layer: number) => (after[layer]?.framesEncoded ?? 0) - (before[layer]?.framesEncoded ?? 0);
      return { low: frames(0), high: frames(1) };
    };
    await eventually(async () => (await encoding()).high > 5, 30_000);
    plenary.media.emit('layerHold', 'browser', 'sv-1', 0);
    await eventually(async () => {
      const now = await encoding();
      return now.high === 0 && now.low > 5;
    }, 20_000);
    plenary.media.emit('layerHold', 'browser', 'sv-1', undefined);
    await eventually(async () => (await encoding()).high > 5, 20_000);
  });

  it('survives browsers that go away in the middle of setting up their media (DTLS handshakes cut short)', async () => {
    const workersBefore = plenary.workers.status().map((w) => w.pid);
    // Eight tabs join at once as Siping and Yanji (four each: a link's limit) and are closed 0.15 s
    // apart: some before their transports
    // exist, some during ICE or the DTLS handshake, some once sending. The worker crash this
    // guards against was a NULL write in libssl during DTLS (see build-worker.sh).
    const tabs = await Promise.all(Array.from({ length: 8 }, () => browser.newTab()));
    await Promise.all(
      tabs.map(async (tab, i) => {
        void tab
          .evaluate(({ url, token }) => (globalThis as unknown as { plenary: Probe }).plenary.joinAsVenue(url, token), { url: plenary.url, token: tokenOf(created.joinLinks[1 + (i % 2)]!.url) })
          .catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 150 * i));
        await tab.close();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(plenary.workers.status().map((w) => w.pid)).toEqual(workersBefore);
    // And the media plane still serves: the venue on air keeps its camera in the program.
    const room = await plenary.media.room('browser');
    expect(room.producerOf('sv-1', 'video')).toBeDefined();
  });

  it('gets the program back by itself, with its camera on air again, after the media worker dies', async () => {
    const tab = venueTab;
    const room = await plenary.media.room('browser');
    process.kill(room.worker.worker.pid, 'SIGKILL');
    // The server rebuilds the room on a new worker and tells the browser, which publishes and receives again.
    const rebuilt = await eventually(async () => {
      const current = await plenary.media.existingRoom('browser');
      return current && current !== room && current.producerOf('sv-1', 'video') ? current : undefined;
    }, 15_000);
    await eventually(() => rebuilt.switcher.videoOnAir === 'sv-1', 10_000, () => `on air ${rebuilt.switcher.videoOnAir}, floor ${rebuilt.switcher.floorHolder}, sv-1 camera ${rebuilt.producerOf('sv-1', 'video')?.id ?? 'none'}`);
    const frames = await eventually(async () => {
      const decoded = await framesDecoded(tab);
      return decoded > 0 ? decoded : undefined;
    }, 15_000);
    await eventually(async () => (await framesDecoded(tab)) > frames + 10, 15_000);
  });
});

import type { Page } from 'playwright-core';
import type { Plenary } from '../app/plenary';
import { TestBrowser } from '../test/browser';
import { createTestConference, startTestPlenary, threeVenues } from '../test/harness';
import { TestRedis } from '../test/redis-server';

/** The page's side: the real client session (client/src/session), as the console uses it. */
type PageSession = {
  connected(): Promise<void>;
  command(command: { type: string; name?: string }): Promise<number>;
};
type PageGlobals = {
  plenary: { VenueSession: new (url: string, auth: object, options: object) => PageSession };
  session: PageSession;
  resends: string[];
  answer: Promise<number | string>;
};

describe('a command whose answer is lost (the browser session)', () => {
  let redis: TestRedis;
  let plenary: Plenary;
  let browser: TestBrowser;
  let tab: Page;

  beforeAll(async () => {
    redis = await TestRedis.create();
    plenary = await startTestPlenary({ REDIS_URL: redis.url });
    browser = await TestBrowser.start();
    tab = await browser.newTab();
  });
  afterAll(async () => {
    redis?.resume();
    await browser?.close();
    await plenary?.close();
    await redis?.close();
  });

  it('is sent again with the same id and applied once, as the README promises', async () => {
    const created = await createTestConference(plenary.url, threeVenues('retry'));
    await tab.evaluate(
      async ([url, hostSecret]) => {
        const page = globalThis as unknown as PageGlobals;
        page.resends = [];
        // Answers count as lost after 1 s here (10 s on the pages), so the test need not wait long.
        page.session = new page.plenary.VenueSession(url, { conferenceId: 'retry', hostSecret }, { ackTimeoutMs: 1000, onResend: (name: string) => page.resends.push(name) });
        await page.session.connected();
      },
      [plenary.url, created.hostSecret] as const,
    );

    // Redis hangs (SIGSTOP): the server takes the command and cannot answer it in time.
    redis.pause();
    await tab.evaluate(() => {
      const page = globalThis as unknown as PageGlobals;
      page.answer = page.session.command({ type: 'addSubVenue', name: 'Tonghua' }).catch((error: Error) => error.message);
    });
    // The answer was given up on and the command sent again: two copies now wait at the server.
    await tab.waitForFunction(() => (globalThis as unknown as PageGlobals).resends.length >= 1, undefined, { timeout: 20_000 });
    redis.resume();

    const version = await tab.evaluate(() => (globalThis as unknown as PageGlobals).answer);
    expect(typeof version).toBe('number');
    expect(await tab.evaluate(() => (globalThis as unknown as PageGlobals).resends)).toEqual(expect.arrayContaining(['command']));
    // One Tonghua: the copy was answered with the first one's answer (a new id per try made two venues).
    const after = await plenary.conferences.get('retry');
    const tonghua = Object.values(after?.venues ?? {}).filter((venue) => venue.name === 'Tonghua');
    expect(tonghua).toHaveLength(1);
    expect(version).toBe(after?.version);
  });
});

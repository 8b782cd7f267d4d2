import type { Browser } from 'playwright-core';
import type { Plenary } from '../app/plenary';
import { launchChromium } from '../test/browser';
import { eventually, startTestPlenary } from '../test/harness';

/** Each <video> of the page that has a label: its label and the size of the picture it shows. */
const PICTURES = `[...document.querySelectorAll('video[aria-label]')].map((v) => [v.getAttribute('aria-label'), v.videoWidth])`;

describe('the presider console of a conference whose venues all publish', () => {
  let plenary: Plenary;
  let browser: Browser;

  beforeAll(async () => {
    plenary = await startTestPlenary({ DEMO_SIMULATED_VENUES: '3' }, { demo: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await plenary?.close();
  });

  it('shows every venue\'s picture in its tile, and the program, however many streams it asks for at once', async () => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const link = new URL(plenary.demo?.hostUrl ?? '');
    await page.goto(`${plenary.url}${link.pathname}${link.hash}`);
    // Ten streams at once (the program's picture and sound, four tiles' pictures and sounds): each
    // asked for its own receive transport before, and past the SFU's four per venue the rest were
    // refused, so some tiles stayed black.
    const shown = await eventually(async () => {
      const pictures = new Map((await page.evaluate(PICTURES)) as [string, number][]);
      const wanted = ['Program (what the venues see)', 'Changchun main venue', 'Jilin City', 'Siping', 'Yanji'];
      return wanted.every((label) => (pictures.get(label) ?? 0) > 0) ? pictures : undefined;
    }, 30_000);
    expect(shown.get('Jilin City')).toBeGreaterThan(0);
  });

  it('adds a restream destination from the console, shows it masked with its state, and stops it', async () => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const link = new URL(plenary.demo?.hostUrl ?? '');
    await page.goto(`${plenary.url}${link.pathname}${link.hash}`);
    const panel = page.getByTestId('restream-panel');
    const address = panel.getByLabel('Streaming address', { exact: false });
    // A web address is not a streaming one: the presider is told why.
    await address.fill('https://tv.example.com/live');
    await panel.getByRole('button', { name: 'Add destination' }).click();
    await page.getByRole('alert').filter({ hasText: 'Plenary streams to rtmp://, rtmps:// and srt:// addresses, not https://' }).waitFor({ timeout: 10_000 });
    await address.fill('rtmp://127.0.0.1:9/live/console-secret-key');
    await panel.getByRole('button', { name: 'Add destination' }).click();
    const row = panel.getByTestId('destination-rs-1');
    await row.locator('code', { hasText: 'rtmp://127.0.0.1:9/live/****' }).waitFor({ timeout: 10_000 });
    // No broadcast runs in this test: the destination waits for it.
    await row.getByRole('status').filter({ hasText: 'connecting' }).waitFor({ timeout: 10_000 });
    expect(await page.content()).not.toContain('console-secret-key');
    await row.getByRole('button', { name: 'Stop streaming to rtmp://127.0.0.1:9/live/****' }).click();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    await panel.getByText('The broadcast goes to our own watch page only.').waitFor();
    // Its steps are bounded each and name themselves when they fail; jest's 60 s for the whole,
    // under their sum, failed two loaded runs without saying which step was slow.
  }, 180_000);
});

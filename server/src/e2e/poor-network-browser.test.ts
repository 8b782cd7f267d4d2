import type { Browser, Page } from 'playwright-core';
import type { Plenary } from '../app/plenary';
import { DemoInChromium, launchChromium, recordPolicyViolations } from '../test/browser';
import { eventually, joinToken, startTestPlenary } from '../test/harness';
import { TestTurnServer } from '../test/turn-server';
import { UdpImpairment } from '../test/udp-impairment';

/**
 * A sub-venue on a lossy link: its browser relays through TURN over UDP, and a user-space
 * impairment relay sits between it and coturn (the kernel here has no netem), so everything it
 * sends and receives crosses the bad link; the SFU and the rest of the conference do not.
 */
describe('a venue on a poor network: the presider is warned before giving it the floor, and its operator is told', () => {
  let turn: TestTurnServer;
  let link: UdpImpairment;
  let plenary: Plenary;
  let browser: Browser;
  const blocked: string[] = [];

  beforeAll(async () => {
    turn = await TestTurnServer.start();
    link = await UdpImpairment.start({ host: '127.0.0.1', port: turn.port }, { loss: 0.15, delayMs: 20 });
    plenary = await startTestPlenary({
      DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '240p',
      TURN_URLS: `turn:127.0.0.1:${link.port}?transport=udp`, TURN_SECRET: turn.secret,
    }, { demo: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await plenary?.close();
    await link?.close();
    await turn?.close();
  });

  const open = async (path: string): Promise<Page> => {
    const page = recordPolicyViolations(await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage(), blocked);
    await page.goto(`${plenary.url}${path}`);
    return page;
  };

  it('says so on the venue\'s tile and on its page while the link loses 15 %, and stops once the link is clean', async () => {
    const token = await joinToken(plenary.url, 'demo', 'sv-2');
    const venue = await open(`/join/${token}?ice=relay`);
    await venue.getByRole('button', { name: 'Join the conference' }).click();
    await venue.getByRole('status').filter({ hasText: 'Listening' }).waitFor({ timeout: 30_000 });

    const console_ = await open(`/host/demo#key=${DemoInChromium.hostSecret(plenary)}`);
    const siping = console_.locator('li[aria-label="Siping"]');
    const warning = siping.getByTestId('poor-network');
    await warning.waitFor({ timeout: 30_000 });
    expect(await warning.textContent()).toMatch(/^⚠ Poor network: \d+% lost, (\d+|–) ms round trip\. On air, its picture may freeze\.$/);
    // The warning is what the floor button is described by, so a screen reader says it too.
    const give = console_.getByRole('button', { name: 'Give floor to Siping', exact: true });
    expect(await give.getAttribute('aria-describedby')).toBe(await warning.getAttribute('id'));
    // The main venue, on a clean path, is not warned about.
    expect(await console_.locator('li[aria-label="Changchun main venue"]').getByTestId('poor-network').count()).toBe(0);
    // The operator hears it from its own page.
    await venue.getByTestId('own-poor-network').waitFor({ timeout: 30_000 });
    expect(await venue.getByTestId('own-poor-network').textContent()).toMatch(/^Your network is poor: \d+% of what you send is lost/);
    expect(link.up.dropped).toBeGreaterThan(0);

    // The link recovers: both warnings go by themselves.
    link.set({ loss: 0, delayMs: 20 });
    await eventually(async () => (await warning.count()) === 0 && (await venue.getByTestId('own-poor-network').count()) === 0, 30_000);
    expect(blocked).toEqual([]);
  });
});

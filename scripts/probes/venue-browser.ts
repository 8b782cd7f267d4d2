// Probe: a sub-venue in real Chromium (mediasoup-client, fake camera) joins by
// its link, publishes in simulcast and receives the program. Not part of
// `npm test` yet: on this machine the browser's DTLS handshake crashes the
// mediasoup 3.14.16 worker built against Debian's OpenSSL 3.0.22 (a NULL write
// inside libssl during SSL_read of the ClientHello; see the issue notes). This
// probe reproduces it and becomes the end-to-end test once that is fixed.
//
//   npm run build && npx tsx scripts/probes/venue-browser.ts
import pino from 'pino';
import { createConferenceSchema, SYSTEM } from '../../shared/src/index';
import { loadConfig } from '../../server/src/app/config';
import { startPlenary } from '../../server/src/app/plenary';
import { SessionPage, launchChromium } from './browser';

type Probe = { joinAsVenue(url: string, token: string): Promise<void>; framesDecoded(): Promise<number> };

async function main(): Promise<number> {
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', ANNOUNCED_IP: '127.0.0.1', PLENARY_ADMIN_KEY: 'probe-admin-key-0123456789' });
  const plenary = await startPlenary(config, pino({ level: 'warn' }));
  const page = await SessionPage.start();
  const browser = await launchChromium();
  const diedBefore = plenary.workers.status().map((w) => w.pid);
  try {
    await plenary.conferences.create('probe', createConferenceSchema.parse({ title: 'Probe', mainVenueName: 'Main', subVenues: [{ name: 'Jilin City' }] }));
    await plenary.conferences.execute('probe', SYSTEM, { type: 'join', venueId: 'main' });
    const room = await plenary.media.room('probe');
    await room.addSimulatedVenue('main', 'Main', { r: 210, g: 210, b: 40 });
    await room.setOnAir('main');
    // Mint the venue's link the way the admin API does.
    const link = await fetch(`${plenary.url}/api/conferences/probe/venues/sv-1/link`, {
      method: 'POST',
      headers: { authorization: 'Bearer probe-admin-key-0123456789', 'content-type': 'application/json' },
      body: '{}',
    });
    const url = ((await link.json()) as { data: { url: string } }).data.url;
    const token = url.slice(url.lastIndexOf('/') + 1);
    const tab = await browser.newPage();
    await tab.goto(page.url);
    await tab.evaluate(({ u, t }) => (globalThis as unknown as { plenary: Probe }).plenary.joinAsVenue(u, t), { u: plenary.url, t: token });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const frames = await tab.evaluate(() => (globalThis as unknown as { plenary: Probe }).plenary.framesDecoded());
    process.stdout.write(`venue joined; program frames decoded: ${frames}; camera producer: ${room.producerOf('sv-1', 'video')?.type}\n`);
    return frames > 0 ? 0 : 1;
  } catch (error) {
    const after = plenary.workers.status().map((w) => w.pid);
    const died = diedBefore.filter((pid) => !after.includes(pid));
    process.stdout.write(`venue failed: ${(error as Error).message.split('\n')[0]}${died.length ? `; mediasoup worker ${died.join(', ')} died` : ''}\n`);
    return 1;
  } finally {
    await browser.close();
    await page.close();
    await plenary.close();
  }
}

main().then((code) => process.exit(code));

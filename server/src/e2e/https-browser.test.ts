import { execFileSync, spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Agent } from 'undici';
import type { Plenary } from '../app/plenary';
import { DemoInChromium, launchChromium, recordPolicyViolations } from '../test/browser';
import { eventually, joinToken, startTestPlenary } from '../test/harness';
import { freePort } from '../test/processes';
import { accepts } from '../test/redis-server';

/** A self-signed certificate for 127.0.0.1, made for this run. */
function selfSigned(dir: string): { cert: string; key: string } {
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

/** Where the faces are served over HTTPS, and how it stops. */
interface Secured {
  url: string;
  plenary: Plenary;
  close(): Promise<void>;
}

/** Plenary serving HTTPS itself (TLS_CERT, TLS_KEY). */
async function ownTls(cert: string, key: string): Promise<Secured> {
  const plenary = await startTestPlenary({ TLS_CERT: cert, TLS_KEY: key, DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '240p' }, { demo: true });
  return { url: plenary.url, plenary, close: () => plenary.close() };
}

/** Plenary on plain HTTP behind the TLS proxy of deploy/tls-proxy/ (Debian's nginx). */
async function behindProxy(cert: string, key: string, dir: string): Promise<Secured> {
  const port = await freePort();
  // As deployed: the public address is the proxy's, https (so the pages say HSTS), and the proxy's X-Forwarded-For is believed.
  const plenary = await startTestPlenary({ DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '240p', TRUST_PROXY: 'loopback', PUBLIC_URL: `https://127.0.0.1:${port}` }, { demo: true });
  const proxy = spawn('bash', [join(__dirname, '..', '..', '..', 'scripts', 'tls-proxy', 'run.sh'), new URL(plenary.url).host, `127.0.0.1:${port}`, cert, key, join(dir, 'proxy')], { stdio: 'ignore' });
  await eventually(() => accepts(port), 10_000);
  return {
    url: `https://127.0.0.1:${port}`,
    plenary,
    async close() {
      if (proxy.exitCode === null) await new Promise((resolve) => (proxy.once('exit', resolve), proxy.kill('SIGTERM')));
      await plenary.close();
    },
  };
}

describe.each([
  ['Plenary serving HTTPS itself (TLS_CERT, TLS_KEY)', 'own'],
  ['Plenary behind the TLS proxy of deploy/tls-proxy/ (nginx: WebSocket upgrade, long blocking reloads)', 'proxy'],
] as const)('the three faces over HTTPS: %s, a self-signed certificate', (_title, kind) => {
  let dir: string;
  let secured: Secured;
  let browser: Browser;
  let pem: string;
  const blocked: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plenary-https-'));
    const { cert, key } = selfSigned(dir);
    pem = await readFile(cert, 'utf8');
    secured = kind === 'own' ? await ownTls(cert, key) : await behindProxy(cert, key, dir);
    // Chromium trusts this one certificate (by its key), as a browser trusts a real one: nothing else is waved through.
    const spki = createHash('sha256').update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
    browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spki}`]);
  });
  afterAll(async () => {
    await browser?.close();
    await secured?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = async (path: string): Promise<Page> => {
    const page = recordPolicyViolations(await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage(), blocked);
    await page.goto(`${secured.url}${path}`);
    // A secure page: the only kind a browser gives a camera to, away from localhost.
    expect(await page.evaluate('[location.protocol, window.isSecureContext]')).toEqual(['https:', true]);
    return page;
  };

  it('serves the console, a sub-venue (camera, wss:// control channel, WebRTC) and the watch page (LL-HLS) over HTTPS', async () => {
    const tls = new Agent({ connect: { ca: pem } });
    const health = await fetch(`${secured.url}/healthz`, { dispatcher: tls } as RequestInit);
    expect(health.status).toBe(200);
    expect(health.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    // Plenary's own TLS: plain HTTP on the same port is not served.
    if (kind === 'own') await expect(fetch(secured.url.replace('https:', 'http:') + '/healthz')).rejects.toThrow();

    const token = await joinToken(secured.url, 'demo', 'sv-2', { dispatcher: tls });
    await tls.close();

    const console_ = await open(`/host/demo#key=${DemoInChromium.hostSecret(secured.plenary)}`);
    await console_.getByRole('status').filter({ hasText: 'ON AIR: ' }).waitFor({ timeout: 30_000 });

    // The operator's camera (a secure page may have one), then the conference over a wss:// socket.
    const venue = await open(`/join/${token}`);
    await venue.getByRole('button', { name: 'Join the conference' }).waitFor();
    await eventually(async () => venue.evaluate("document.querySelector('video.preview')?.videoWidth ?? 0"), 20_000);
    await venue.getByRole('button', { name: 'Join the conference' }).click();
    await venue.getByRole('status').filter({ hasText: 'Listening' }).waitFor({ timeout: 30_000 });

    await console_.getByRole('button', { name: 'Give floor to Siping', exact: true }).click();
    await console_.getByRole('status').filter({ hasText: 'ON AIR: Siping' }).waitFor({ timeout: 20_000 });
    await venue.getByRole('status').filter({ hasText: 'ON AIR: you have the floor' }).waitFor({ timeout: 20_000 });

    // The watch page plays the broadcast over HTTPS, the new speaker named.
    const viewer = await open('/watch/demo');
    await viewer.getByTestId('speaker-caption').filter({ hasText: 'Now speaking: Siping' }).waitFor({ timeout: 60_000 });
    await eventually(async () => ((await viewer.evaluate("document.querySelector('#broadcast')?.getVideoPlaybackQuality().totalVideoFrames ?? 0")) as number) > 30, 60_000);
    expect(blocked).toEqual([]);
    // Each step above has its own bound, and fails naming itself; jest's 60 s default for the
    // whole, under its steps' sum, failed a loaded run without saying which step was slow.
  }, 240_000);
});

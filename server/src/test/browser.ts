import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { SentLayer } from '@plenary/shared';
import type { Plenary } from '../app/plenary';
import { ControlClient } from './control-client';
import { startTestPlenary } from './harness';

const ROOT = join(__dirname, '..', '..', '..');

/** Debian's Chromium as this machine runs it: headless, no network of its own, fake camera and microphone. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required',
      '--disable-features=WebRtcPostQuantumKeyAgreement', '--force-fieldtrials=WebRTC-EnableDtlsPqc/Disabled/WebRTC-IceHandshakeDtls/Disabled/', ...extraArgs,
    ],
  });
}

/**
 * Collects into `into` the Content-Security-Policy violations a page reports
 * (Chromium logs each one as a console error): a face whose policy blocks
 * something it needs shows up here before a person notices a blank tile.
 */
export function recordPolicyViolations(page: Page, into: string[]): Page {
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) into.push(`${page.url()}: ${message.text()}`);
  });
  return page;
}

/**
 * Serves a blank page with the client session bundled in (window.plenary), on
 * loopback, for browser tests. Owned by the test: close() stops it.
 */
export class SessionPage {
  private constructor(
    private readonly server: Server,
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async start(): Promise<SessionPage> {
    const dir = await mkdtemp(join(tmpdir(), 'plenary-page-'));
    await build({
      entryPoints: [join(ROOT, 'client', 'src', 'session', 'browser-entry.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'plenary',
      platform: 'browser',
      target: 'chrome120',
      outfile: join(dir, 'session.js'),
      logLevel: 'silent',
    });
    const script = await readFile(join(dir, 'session.js'));
    const server = createServer((req, res) => {
      if (req.url === '/session.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><title>session</title><script src="/session.js"></script><body></body>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new SessionPage(server, dir, `http://127.0.0.1:${port}/`);
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** How a transport's media goes (the local end of its selected ICE pair). */
export type MediaPath = { candidateType: string; protocol: string; relayProtocol?: string } | undefined;

/** What client/src/session/probe.ts answers about the broadcast a tab watches. */
export interface BroadcastState {
  frames: number;
  currentTime: number;
  speaker?: string;
  fatalErrors: number;
  lastFatalError: string | undefined;
  /** Times playback waited for media after it first played. */
  stalls: number;
  /** Now minus the program date time of the picture on screen, ms. */
  behindMs: number | undefined;
}

/** When the broadcast's picture moved (client/src/session/probe.ts's PictureMoves). */
export interface PictureMoves {
  moves: number[];
  now: number;
}

/** The session page's window.plenary (client/src/session/browser-entry.ts), as the tests drive it. */
interface SessionProbeApi {
  joinAsVenue(url: string, token: string): Promise<void>;
  framesDecoded(): Promise<number>;
  mediaPaths(): Promise<{ send: MediaPath; receive: MediaPath }>;
  watchBroadcast(url: string): void;
  broadcastState(): BroadcastState;
  sentVideo(): Promise<SentLayer[]>;
  trackPictureMoves(movedLevels: number): void;
  takePictureMoves(): PictureMoves;
}
type Window = { plenary: SessionProbeApi };

/** Drives a tab on the session page (TestBrowser.newTab): join as a venue, watch the broadcast, read what it shows. */
export function sessionProbe(tab: Page) {
  // Each function runs in the page: only the type of window.plenary is shared, nothing else.
  return {
    join: (url: string, token: string) => tab.evaluate(([u, t]) => (globalThis as unknown as Window).plenary.joinAsVenue(u, t), [url, token] as const),
    framesDecoded: () => tab.evaluate(() => (globalThis as unknown as Window).plenary.framesDecoded()),
    paths: () => tab.evaluate(() => (globalThis as unknown as Window).plenary.mediaPaths()),
    watch: (url: string) => tab.evaluate((u) => (globalThis as unknown as Window).plenary.watchBroadcast(u), url),
    state: () => tab.evaluate(() => (globalThis as unknown as Window).plenary.broadcastState()),
    sent: () => tab.evaluate(() => (globalThis as unknown as Window).plenary.sentVideo()),
    trackPictureMoves: (movedLevels: number) => tab.evaluate((m) => (globalThis as unknown as Window).plenary.trackPictureMoves(m), movedLevels),
    takePictureMoves: () => tab.evaluate(() => (globalThis as unknown as Window).plenary.takePictureMoves()),
  };
}

/** Debian's Chromium with the session page: what the browser tests open tabs in. Closes both. */
export class TestBrowser {
  private constructor(
    private readonly browser: Browser,
    private readonly page: SessionPage,
  ) {}

  static async start(): Promise<TestBrowser> {
    const page = await SessionPage.start();
    try {
      return new TestBrowser(await launchChromium(), page);
    } catch (error) {
      await page.close();
      throw error;
    }
  }

  /** A new tab on the session page (window.plenary ready); `query` is the page address's, e.g. "?ice=relay". */
  async newTab(query = ''): Promise<Page> {
    const tab = await this.browser.newPage();
    await tab.goto(`${this.page.url}${query}`);
    return tab;
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.page.close();
  }
}

/**
 * The demo conference (a simulated main venue and sub-venue, a 360p ladder) with Chromium and
 * the presider's control client, for the faces' tests: `open(path)` opens a page of it,
 * recording Content-Security-Policy violations into `violations`. Owned by the test: close().
 */
export class DemoInChromium {
  readonly violations: string[] = [];

  private constructor(
    readonly plenary: Plenary,
    readonly browser: Browser,
    readonly presider: ControlClient,
  ) {}

  static async start(): Promise<DemoInChromium> {
    const plenary = await startTestPlenary({ DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '360p' }, { demo: true });
    const browser = await launchChromium();
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret: DemoInChromium.hostSecret(plenary) });
    return new DemoInChromium(plenary, browser, presider);
  }

  /** The demo's host secret, from the presider link it printed. */
  static hostSecret(plenary: Plenary): string {
    return new URL(plenary.demo?.hostUrl ?? '').hash.replace('#key=', '');
  }

  async open(path: string): Promise<Page> {
    const page = recordPolicyViolations(await this.browser.newPage(), this.violations);
    await page.goto(`${this.plenary.url}${path}`);
    return page;
  }

  async close(): Promise<void> {
    this.presider.close();
    await this.browser.close();
    await this.plenary.close();
  }
}

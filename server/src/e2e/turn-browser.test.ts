import type { Plenary } from '../app/plenary';
import { DemoInChromium, TestBrowser, sessionProbe } from '../test/browser';
import { ControlClient, rawEmit } from '../test/control-client';
import { eventually, joinToken, startTestPlenary } from '../test/harness';
import { TestTurnServer } from '../test/turn-server';

type Stats = { ok: boolean; data?: { venueId: string; kind: string; bitrate: number }[] };

describe('a venue whose network lets only TURN over TCP out (coturn on loopback, Chromium forced to relay)', () => {
  let turn: TestTurnServer;
  let plenary: Plenary;
  let browser: TestBrowser;
  let presider: ControlClient;

  beforeAll(async () => {
    turn = await TestTurnServer.start();
    plenary = await startTestPlenary({
      DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '240p',
      TURN_URLS: `turn:127.0.0.1:${turn.port}?transport=tcp`, TURN_SECRET: turn.secret, TURN_TTL_SECONDS: '600',
    }, { demo: true });
    browser = await TestBrowser.start();
    presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret: DemoInChromium.hostSecret(plenary) });
  });
  afterAll(async () => {
    presider?.close();
    await browser?.close();
    await plenary?.close();
    await turn?.close();
  });

  it('joins through the relay, publishes, and goes on air', async () => {
    const token = await joinToken(plenary.url, 'demo', 'sv-2');

    // The transport's answer carries the TURN server with this venue's own short-lived credentials.
    const answer = (await rawEmit(presider, 'media:createTransport')) as { ok: boolean; data: { iceServers?: { urls: string[]; username: string; credential: string }[] } };
    expect(answer.data.iceServers).toEqual([{ urls: [`turn:127.0.0.1:${turn.port}?transport=tcp`], username: expect.stringMatching(/^\d+:demo\.main$/), credential: expect.any(String) }]);
    const expiry = Number(answer.data.iceServers?.[0]?.username.split(':')[0]);
    expect(expiry * 1000 - Date.now()).toBeGreaterThan(590_000);
    expect(expiry * 1000 - Date.now()).toBeLessThanOrEqual(600_000);

    const venue = sessionProbe(await browser.newTab('?ice=relay'));
    await venue.join(plenary.url, token);
    // Its camera reaches the SFU...
    await eventually(async () => {
      const stats = (await rawEmit(presider, 'media:stats')) as Stats;
      return stats.data?.some((s) => s.venueId === 'sv-2' && s.kind === 'video' && s.bitrate > 0);
    }, 30_000);
    // ... through the TURN server, over TCP, both ways: no direct path was even tried.
    const paths = await eventually(async () => {
      const now = await venue.paths();
      return now.send && now.receive ? now : undefined;
    }, 20_000);
    expect(paths).toEqual({ send: { candidateType: 'relay', protocol: 'udp', relayProtocol: 'tcp' }, receive: { candidateType: 'relay', protocol: 'udp', relayProtocol: 'tcp' } });
    // coturn made the allocations for this venue's credentials (and accepted them).
    expect(turn.log.some((line) => /demo\.sv-2.*ALLOCATE processed, success/.test(line))).toBe(true);

    // On air: the broadcast shows it.
    expect(await presider.command({ type: 'giveFloor', venueId: 'sv-2' })).toMatchObject({ ok: true });
    const name = presider.state.venues['sv-2']?.name;
    const viewer = sessionProbe(await browser.newTab());
    await viewer.watch(`${plenary.url}/hls/demo/master.m3u8`);
    await eventually(async () => {
      const state = await viewer.state();
      return state.frames > 30 && state.speaker === name;
    }, 60_000);
  });
});

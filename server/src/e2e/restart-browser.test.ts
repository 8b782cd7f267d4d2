import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoHostSecret } from '../conference/demo';
import { TestBrowser, sessionProbe } from '../test/browser';
import { ControlClient, rawEmit } from '../test/control-client';
import { TEST_ADMIN_KEY, eventually, joinToken } from '../test/harness';
import { ServerProcess, freePort } from '../test/processes';
import { TestRedis } from '../test/redis-server';

type Stats = { ok: boolean; data?: { venueId: string; kind: string; bitrate: number }[] };

describe('a server process killed mid-session and started again (Redis mode)', () => {
  let redis: TestRedis;
  let server: ServerProcess | undefined;
  let browser: TestBrowser;
  let archive: string;

  beforeAll(async () => {
    archive = await mkdtemp(join(tmpdir(), 'plenary-restart-'));
    redis = await TestRedis.create();
    browser = await TestBrowser.start();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await redis?.close();
    await rm(archive, { recursive: true, force: true });
  });

  it('keeps the floor; the venue republishes and the viewer keeps playing, without a reload', async () => {
    const port = await freePort();
    const env = { REDIS_URL: redis.url, DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '240p', ANNOUNCED_IP: '127.0.0.1', ARCHIVE_DIR: archive };
    server = await ServerProcess.start(port, env);
    const token = await joinToken(server.url, 'demo', 'sv-2');

    // Siping joins from a real browser; a viewer watches; the presider gives Siping the floor.
    const venue = sessionProbe(await browser.newTab());
    await venue.join(server.url, token);
    const presider = await ControlClient.connect(server.url, { conferenceId: 'demo', hostSecret: demoHostSecret(TEST_ADMIN_KEY) }, { reconnection: true });
    try {
      expect(await presider.command({ type: 'giveFloor', venueId: 'sv-2' })).toMatchObject({ ok: true });
      const viewer = sessionProbe(await browser.newTab());
      await viewer.watch(`${server.url}/hls/demo/master.m3u8`);
      await eventually(async () => (await viewer.state()).frames > 60, 60_000);

      await server.crash();
      const framesAtCrash = (await viewer.state()).frames;
      server = await ServerProcess.start(port, env);
      const restarted = Date.now();

      // The venue is back on its own: reconnected, republished, its camera reaching the SFU.
      await eventually(async () => {
        const stats = (await rawEmit(presider, 'media:stats').catch(() => ({ ok: false }))) as Stats;
        return stats.data?.some((s) => s.venueId === 'sv-2' && s.kind === 'video' && s.bitrate > 0);
      }, 20_000);
      const backAfter = Date.now() - restarted;
      expect(backAfter).toBeLessThan(10_000);
      // The floor is where the presider left it.
      expect(presider.state.floor.holder).toBe('sv-2');

      // The same player, in the same page, plays the restarted broadcast.
      await eventually(async () => (await viewer.state()).frames > framesAtCrash + 90, 60_000);
    } finally {
      presider.close();
    }
  }, 240_000);
});

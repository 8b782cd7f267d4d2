import { readdir, readFile, stat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoHostSecret } from '../conference/demo';
import { ControlClient } from '../test/control-client';
import { TEST_ADMIN_KEY, eventually } from '../test/harness';
import { ServerProcess, freePort } from '../test/processes';
import { TestRedis } from '../test/redis-server';

describe('a server process stopped with SIGTERM and started again (Redis mode)', () => {
  let redis: TestRedis;
  let archive: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    redis = await TestRedis.create();
    archive = await mkdtemp(join(tmpdir(), 'plenary-shutdown-'));
  });
  afterAll(async () => {
    await server?.stop();
    await redis.close();
    await rm(archive, { recursive: true, force: true });
  });

  it('tells its clients, finishes the recording, keeps the floor, and the clients come back by themselves', async () => {
    const port = await freePort();
    const env = { REDIS_URL: redis.url, DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '240p', ARCHIVE_DIR: archive };
    server = await ServerProcess.start(port, env);
    const presider = await ControlClient.connect(server.url, { conferenceId: 'demo', hostSecret: demoHostSecret(TEST_ADMIN_KEY) }, { reconnection: true });
    try {
      expect(await presider.command({ type: 'giveFloor', venueId: 'sv-1' })).toMatchObject({ ok: true });
      // The broadcast has complete segments on disk.
      const recording = await eventually(async () => {
        const stamps = await readdir(join(archive, 'demo')).catch(() => []);
        const playlist = stamps[0] && (await readFile(join(archive, 'demo', stamps[0], '240p', 'index.m3u8'), 'utf8').catch(() => ''));
        return playlist && (playlist.match(/#EXTINF/g) ?? []).length >= 2 ? join(archive, 'demo', stamps[0] as string) : undefined;
      }, 40_000);

      const told = new Promise((resolve) => presider.socket.once('serverClosing', () => resolve(true)));
      expect(await server.stop()).toBe(0);
      expect(await told).toBe(true);

      // Nothing half-written: every rendition's playlist is closed and every segment it lists is there, whole.
      for (const rendition of ['240p', 'audio']) {
        const playlist = await readFile(join(recording, rendition, 'index.m3u8'), 'utf8');
        expect(playlist.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
        const files = playlist.split('\n').filter((line) => line && !line.startsWith('#'));
        expect(files.length).toBeGreaterThan(0);
        for (const file of files) expect((await stat(join(recording, rendition, file))).size).toBeGreaterThan(0);
      }

      // Started again: the client reconnects without being told to, the floor is where it was.
      const snapshots = presider.snapshots;
      server = await ServerProcess.start(port, env);
      await eventually(() => presider.snapshots > snapshots, 20_000);
      expect(presider.state.floor.holder).toBe('sv-1');
      expect(presider.state.venues.main?.present).toBe(true);
      // And the broadcast is back.
      await eventually(async () => (await fetch(`${server?.url}/hls/demo/240p/index.m3u8`)).status === 200, 30_000);
    } finally {
      presider.close();
    }
  }, 150_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { freeTcpPort } from '@plenary/sfu';
import { startPlenary, type Plenary } from '../app/plenary';
import { ControlClient, rawEmit } from '../test/control-client';
import { createServer } from 'node:net';
import { TEST_ADMIN_KEY, createTestConference, eventually, startTestPlenary, testConfig, threeVenues, tokenOf } from '../test/harness';

type Answer = { ok: boolean; data?: unknown; error?: { code: string; message: string } };
type Status = { id: string; display: string; state: string; bitrate: number; problem?: { code: string; message: string } };

/** A real RTMP server: ffmpeg listening for one publisher, writing what it receives to a file. */
const rtmpServer = (port: number, path: string, file: string): ChildProcess =>
  spawn('ffmpeg', ['-v', 'error', '-y', '-listen', '1', '-f', 'flv', '-i', `rtmp://127.0.0.1:${port}/${path}`, '-c', 'copy', '-f', 'flv', file], { stdio: 'ignore' });

describe('restream destinations through the admin API and the console, pushed by the broadcast\'s owner', () => {
  let plenary: Plenary;
  let presider: ControlClient;
  let dir: string;
  let server: ChildProcess | undefined;
  let logged = '';
  const KEY = `tv-station-key-${process.pid}`;
  const api = async (method: string, path: string, body?: unknown, bearer = TEST_ADMIN_KEY) => {
    const res = await fetch(`${plenary.url}/api/conferences/demo${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) as Answer };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plenary-destinations-test-'));
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _encoding, done) => ((logged += chunk.toString()), done()) }));
    plenary = await startPlenary(testConfig({ ARCHIVE_DIR: join(dir, 'archive'), DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '240p' }), logger, { demo: true });
    const hostSecret = new URL(plenary.demo?.hostUrl ?? '').hash.replace('#key=', '');
    presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret });
    await eventually(async () => (await fetch(`${plenary.url}/hls/demo/master.m3u8`)).ok, 40_000);
  });
  afterAll(async () => {
    presider?.close();
    if (server && server.exitCode === null) server.kill('SIGKILL');
    await plenary?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses what is not a destination, with a stable code and a sentence, and asks for the admin key', async () => {
    expect(await api('POST', '/destinations', { url: 'https://example.com/live' })).toMatchObject({ status: 400, body: { ok: false, error: { code: 'INVALID', message: 'Plenary streams to rtmp://, rtmps:// and srt:// addresses, not https://' } } });
    expect((await api('POST', '/destinations', { url: 'rtmp example' })).body.error?.code).toBe('INVALID');
    expect((await api('POST', '/destinations', { address: 'rtmp://h/app/k' })).body.error?.code).toBe('INVALID');
    expect((await api('POST', '/destinations', { url: 'rtmp://h/app/k' }, '')).status).toBe(401);
    expect((await api('GET', '/destinations', undefined, 'wrong')).status).toBe(403);
    expect((await api('DELETE', '/destinations/rs-404')).body.error?.code).toBe('NOT_FOUND');
    // An operator cannot add one from its page.
    const operator = await ControlClient.connect(plenary.url, { token: tokenOf(plenary.demo?.joinLinks[0]?.url ?? '') });
    expect(await operator.command({ type: 'addDestination', url: 'rtmp://127.0.0.1:9/live/x' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    operator.close();
    expect((await api('GET', '/destinations')).body).toEqual({ ok: true, data: [] });
  });

  it('pushes the broadcast to a real RTMP server, shows it live with its bitrate, never shows the key, and stops when removed', async () => {
    const port = await freeTcpPort();
    const file = join(dir, 'tv.flv');
    server = rtmpServer(port, `live/${KEY}`, file);
    const url = `rtmp://127.0.0.1:${port}/live/${KEY}`;
    const added = await api('POST', '/destinations', { url });
    expect(added).toMatchObject({ status: 201, body: { ok: true, data: { id: 'rs-1', display: `rtmp://127.0.0.1:${port}/live/****`, protocol: 'rtmp' } } });
    expect(await api('POST', '/destinations', { url })).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT', message: `This destination is already added (rs-1: rtmp://127.0.0.1:${port}/live/****)` } } });

    const live = await eventually(async () => {
      const listed = (await api('GET', '/destinations')).body.data as Status[];
      return listed[0]?.state === 'live' && listed[0].bitrate > 0 ? listed[0] : undefined;
    }, 30_000);
    expect(live).toMatchObject({ id: 'rs-1', display: `rtmp://127.0.0.1:${port}/live/****` });
    // The console sees the same, through its socket.
    expect(await rawEmit(presider, 'media:destinations')).toMatchObject({ ok: true, data: [{ id: 'rs-1', state: 'live' }] });
    await eventually(async () => ((await stat(file).catch(() => undefined))?.size ?? 0) > 30_000, 20_000);

    // Nowhere a client, a scraper or a log could read it.
    const seen = [
      (await api('GET', '/destinations')).text,
      await (await fetch(`${plenary.url}/api/conferences/demo/public`)).text(),
      await (await fetch(`${plenary.url}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).text(),
      JSON.stringify(await rawEmit(presider, 'sync')),
      logged,
    ];
    for (const text of seen) expect(text).not.toContain(KEY);
    expect(logged).toContain('restream live');

    expect(await api('DELETE', '/destinations/rs-1')).toMatchObject({ status: 200, body: { ok: true, data: { removed: 'rs-1' } } });
    expect((await api('GET', '/destinations')).body.data).toEqual([]);
    // The RTMP server sees its publisher go.
    const [code] = (await once(server, 'exit')) as [number | null];
    expect(code).not.toBeNull();
  }, 90_000);
});

describe('restream destinations on this machine or a private network, by default', () => {
  it('refuses them (RESTREAM_PRIVATE unset), and nothing connects to them', async () => {
    // A listener on loopback that would see the broadcast's owner connect.
    let connections = 0;
    const listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as { port: number }).port;
    // The tests' harness allows private addresses; this one takes the default.
    const plenary = await startTestPlenary({ RESTREAM_PRIVATE: undefined });
    try {
      await createTestConference(plenary.url, threeVenues('private'));
      for (const url of [`rtmp://127.0.0.1:${port}/live/key`, `rtmp://localhost:${port}/live/key`, 'rtmp://10.0.0.8/live/key', 'rtmp://192.168.1.20/live/key', `srt://127.0.0.1:${port}?streamid=x`]) {
        const res = await fetch(`${plenary.url}/api/conferences/private/destinations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url }),
        });
        expect({ url, status: res.status, code: ((await res.json()) as Answer).error?.code }).toEqual({ url, status: 400, code: 'INVALID' });
      }
      expect(connections).toBe(0);
    } finally {
      await plenary.close();
      listener.close();
    }
  });
});

import type { Plenary } from '../app/plenary';
import { TEST_ADMIN_KEY, startTestPlenary } from '../test/harness';

describe('the HTTP surface', () => {
  let plenary: Plenary;

  beforeAll(async () => {
    plenary = await startTestPlenary();
  });

  afterAll(() => plenary.close());

  it('reports health with the live mediasoup worker process and version', async () => {
    const res = await fetch(`${plenary.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { status: string; mediasoup: { version: string; workers: { pid: number }[] } };
    expect(body.status).toBe('ok');
    expect(body.mediasoup.version).toBe('3.14.16');
    expect(body.mediasoup.workers).toHaveLength(1);
    const pid = body.mediasoup.workers[0]?.pid as number;
    expect(pid).toBe(plenary.workers.workers[0]?.worker.pid);
    expect(() => process.kill(pid, 0)).not.toThrow();
    // A conference's program shows on the worker that carries it.
    expect(body.mediasoup.workers[0]).toMatchObject({ programs: 0, venues: 0 });
    await (await plenary.media.room('health-check')).createWebRtcTransport('sv-1');
    const after = (await (await fetch(`${plenary.url}/healthz`)).json()) as { mediasoup: { workers: { programs: number; venues: number }[] } };
    expect(after.mediasoup.workers[0]).toMatchObject({ programs: 1, venues: 1 });
  });

  it('serves a page that says what Plenary is', async () => {
    const res = await fetch(plenary.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('<h1>Plenary</h1>');
    expect(page).toContain('/healthz');
  });

  it('serves the three faces at the links it prints, and their assets as immutable files', async () => {
    for (const [path, title] of [['/host/demo', 'Presider console'], ['/join/some-token', 'Sub-venue'], ['/watch/demo', 'Watch']] as const) {
      const res = await fetch(`${plenary.url}${path}`);
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain(`<title>${title} - Plenary</title>`);
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1];
      const asset = await fetch(`${plenary.url}${script}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    }
    expect((await fetch(`${plenary.url}/assets/../package.json`)).status).toBe(404);
    expect((await fetch(`${plenary.url}/assets/nothing-here.js`)).status).toBe(404);
  });

  it('refuses the media self-test without the admin key', async () => {
    const res = await fetch(`${plenary.url}/api/media/self-test`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });

  it('refuses the media self-test with a wrong admin key', async () => {
    const res = await fetch(`${plenary.url}/api/media/self-test`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-the-admin-key' },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('runs the media self-test through a real worker when the admin asks', async () => {
    const res = await fetch(`${plenary.url}/api/media/self-test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; data: { passed: boolean; framesDecoded: number; width: number } };
    expect(body.ok).toBe(true);
    expect(body.data).toMatchObject({ passed: true, width: 320, height: 240, decodeErrors: '' });
    expect(body.data.framesDecoded).toBeGreaterThan(0);
  });

  it('answers unknown API paths with a NOT_FOUND code', async () => {
    const res = await fetch(`${plenary.url}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});

import { createHash } from 'node:crypto';
import type { Plenary } from '../app/plenary';
import { startTestPlenary } from '../test/harness';

/** The directives of a Content-Security-Policy header, by name. */
const directives = (header: string | null) =>
  Object.fromEntries((header ?? '').split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name, values]));

describe('the hardening headers', () => {
  let plenary: Plenary;

  beforeAll(async () => {
    plenary = await startTestPlenary();
  });
  afterAll(() => plenary.close());

  const every = ['/', '/host/demo', '/join/some.token', '/watch/demo', '/healthz', '/api/conferences/demo/public', '/hls/demo/master.m3u8', '/assets/nope.js', '/no/such/page'];

  it.each(every)('%s: no MIME sniffing, no Referer, no framework banner, no HSTS over plain HTTP', async (path) => {
    const res = await fetch(`${plenary.url}${path}`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('content-security-policy')).toBeTruthy();
  });

  it('lets the console and the venue page load exactly what they use, and never be framed', async () => {
    for (const path of ['/host/demo', '/join/some.token']) {
      const res = await fetch(`${plenary.url}${path}`);
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp).toMatchObject({
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'connect-src': ["'self'"],
        'media-src': ["'self'", 'blob:', 'data:'],
        'worker-src': ["'self'", 'blob:'],
        'object-src': ["'none'"],
        'frame-ancestors': ["'none'"],
      });
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('lets any site embed the watch page', async () => {
    const res = await fetch(`${plenary.url}/watch/demo`);
    expect(directives(res.headers.get('content-security-policy'))['frame-ancestors']).toEqual(['*']);
    expect(res.headers.get('x-frame-options')).toBeNull();
  });

  it('allows nothing at all to API answers and playlists, which players on other origins may still fetch', async () => {
    for (const path of ['/api/conferences/demo/public', '/hls/demo/master.m3u8']) {
      const res = await fetch(`${plenary.url}${path}`);
      expect(directives(res.headers.get('content-security-policy'))).toMatchObject({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
      expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    }
  });

  it('allows the home page its one inline stylesheet by hash, and no other', async () => {
    const res = await fetch(plenary.url);
    const page = await res.text();
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] as string;
    const hash = createHash('sha256').update(style).digest('base64');
    expect(directives(res.headers.get('content-security-policy'))['style-src']).toEqual([`'sha256-${hash}'`]);
  });

  it('sends HSTS where Plenary is reached over HTTPS', async () => {
    const secure = await startTestPlenary({ PUBLIC_URL: 'https://plenary.example.org' });
    try {
      const res = await fetch(`${secure.url}/healthz`);
      expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    } finally {
      await secure.close();
    }
  });
});

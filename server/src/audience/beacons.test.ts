import type { Plenary } from '../app/plenary';
import { createTestConference, startTestPlenary, threeVenues } from '../test/harness';

const REDIS_URL = process.env.PLENARY_TEST_REDIS_URL as string;

/** Announces `count` made-up viewers to a server, from one address (or the forwarded one given); the answers' statuses. */
async function announce(url: string, conferenceId: string, count: number, forwardedFor?: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let start = 0; start < count; start += 100) {
    const batch = Array.from({ length: Math.min(100, count - start) }, (_, i) =>
      fetch(`${url}/api/conferences/${conferenceId}/viewers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
        body: JSON.stringify({ viewer: `fake-${Math.random().toString(36).slice(2)}-${start + i}` }),
      }).then(async (res) => (await res.arrayBuffer(), res.status)),
    );
    statuses.push(...(await Promise.all(batch)));
  }
  return statuses;
}

const viewerCount = async (url: string, conferenceId: string) =>
  ((await (await fetch(`${url}/api/conferences/${conferenceId}/public`)).json()) as { data: { viewers: number } }).data.viewers;

describe('the viewer count cannot be faked from one address', () => {
  let plenary: Plenary;

  beforeAll(async () => {
    plenary = await startTestPlenary({ VIEWERS_PER_ADDRESS: '20' });
    await createTestConference(plenary.url, threeVenues('audience'));
  });
  afterAll(() => plenary.close());

  it('counts a burst of 2,000 fresh ids from one address as at most that address\'s share', async () => {
    const statuses = await announce(plenary.url, 'audience', 2000);
    expect(statuses.filter((s) => s === 204)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1980);
    expect(await viewerCount(plenary.url, 'audience')).toBe(20);
  });

  it('answers the refused announcements with RATE_LIMITED and when to try again', async () => {
    const res = await fetch(`${plenary.url}/api/conferences/audience/viewers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ viewer: 'one-more-viewer' }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  });

  it('ignores a forged X-Forwarded-For unless the peer is a trusted proxy', async () => {
    const statuses = await announce(plenary.url, 'audience', 50, '198.51.100.7');
    expect(statuses.filter((s) => s === 204)).toHaveLength(0);
  });
});

describe('viewers behind a trusted edge', () => {
  it('count once per forwarded client address, each within its own share', async () => {
    const plenary = await startTestPlenary({ VIEWERS_PER_ADDRESS: '5', TRUST_PROXY: 'loopback' });
    try {
      await createTestConference(plenary.url, threeVenues('behind-edge'));
      const perClient = await Promise.all(Array.from({ length: 10 }, (_, i) => announce(plenary.url, 'behind-edge', 8, `198.51.100.${i + 1}`)));
      expect(perClient.map((statuses) => statuses.filter((s) => s === 204).length)).toEqual(Array(10).fill(5));
      expect(await viewerCount(plenary.url, 'behind-edge')).toBe(50);
    } finally {
      await plenary.close();
    }
  });
});

describe('two server processes on one Redis', () => {
  it('share one budget per address, so a second process does not double it', async () => {
    const env = { REDIS_URL, VIEWERS_PER_ADDRESS: '30', TRUST_PROXY: 'loopback' };
    const [a, b] = await Promise.all([startTestPlenary(env), startTestPlenary(env)]);
    try {
      await createTestConference(a.url, threeVenues('shared-budget'));
      // A fresh address for this run: the budget lives in the test Redis for a beacon period.
      const address = `198.51.100.${Math.floor(Math.random() * 200) + 20}`;
      const [fromA, fromB] = await Promise.all([announce(a.url, 'shared-budget', 200, address), announce(b.url, 'shared-budget', 200, address)]);
      expect([...fromA, ...fromB].filter((s) => s === 204)).toHaveLength(30);
      // Redis counts with a HyperLogLog: exact to within one at this size.
      expect(Math.abs((await viewerCount(b.url, 'shared-budget')) - 30)).toBeLessThanOrEqual(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

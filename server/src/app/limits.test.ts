import { TestRedis } from '../test/redis-server';
import { RateLimits, addressKey } from './limits';
import pino from 'pino';

const REDIS_URL = process.env.PLENARY_TEST_REDIS_URL as string;
const quiet = pino({ level: 'silent' });
const takeMany = async (limit: { take(key: string): Promise<{ allowed: boolean }> }, key: string, n: number) => {
  let allowed = 0;
  for (let i = 0; i < n; i++) if ((await limit.take(key)).allowed) allowed++;
  return allowed;
};

describe('the key a client is limited by', () => {
  it('is the address for IPv4 (also when mapped into IPv6), and the /64 network for IPv6', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    // Every address of one /64 is one client, however it is written.
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff::')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});

describe('rate limits by address', () => {
  it('let a budget through per window and refuse the rest with when to try again', async () => {
    const limit = RateLimits.embedded().limit('test-memory', 5, 60);
    expect(await takeMany(limit, 'a', 8)).toBe(5);
    const refused = await limit.take('a');
    expect(refused).toMatchObject({ allowed: false });
    expect(refused.allowed === false && refused.retryAfterMs).toBeGreaterThan(50_000);
    // Another address has a budget of its own.
    expect(await takeMany(limit, 'b', 1)).toBe(1);
  });

  it('are one budget for every process on one Redis', async () => {
    const [one, two] = await Promise.all([RateLimits.connect(REDIS_URL, quiet), RateLimits.connect(REDIS_URL, quiet)]);
    try {
      const name = `test-shared-${Math.random().toString(36).slice(2)}`;
      const [a, b] = [one.limit(name, 10, 60), two.limit(name, 10, 60)];
      const [fromA, fromB] = await Promise.all([takeMany(a, 'client', 10), takeMany(b, 'client', 10)]);
      expect(fromA + fromB).toBe(10);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('fall back to a budget per process while Redis is away', async () => {
    const redis = await TestRedis.create({ durable: false });
    const limits = await RateLimits.connect(redis.url, quiet);
    try {
      const limit = limits.limit('test-outage', 3, 60);
      await redis.kill();
      // The insurance limiter answers: neither locked out nor unlimited.
      expect(await takeMany(limit, 'client', 5)).toBe(3);
    } finally {
      await limits.close();
      await redis.close();
    }
  });
});

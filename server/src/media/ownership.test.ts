import { Redis } from 'ioredis';
import pino from 'pino';
import { TestRedis } from '../test/redis-server';
import { eventually } from '../test/harness';
import { RedisOwnership, type MediaOwnership } from './ownership';

const REDIS_URL = process.env.PLENARY_TEST_REDIS_URL as string;
const quiet = pino({ level: 'silent' });
const conference = () => `own-${Math.random().toString(36).slice(2, 8)}`;

describe('the lease on a conference\'s media', () => {
  const opened: MediaOwnership[] = [];
  const open = async (url: string, redisUrl = REDIS_URL) => {
    const ownership = await RedisOwnership.connect(redisUrl, () => url, quiet);
    opened.push(ownership);
    return ownership;
  };
  afterAll(async () => {
    for (const ownership of opened) await ownership.close();
  });

  it('has one holder at a time, and everyone agrees who it is', async () => {
    const [a, b] = await Promise.all([open('http://a'), open('http://b')]);
    const id = conference();
    const [fromA, fromB] = await Promise.all([a.claim(id), b.claim(id)]);
    expect(fromA).toEqual(fromB);
    expect([a.owns(id), b.owns(id)].filter(Boolean)).toHaveLength(1);
    const holder = a.owns(id) ? a : b;
    expect(fromA?.processId).toBe(holder.processId);
    expect(fromA?.url).toBe(holder === a ? 'http://a' : 'http://b');
  });

  it('passes to another process with a higher fencing number once released', async () => {
    const [a, b] = [await open('http://a'), await open('http://b')];
    const id = conference();
    const first = await a.claim(id);
    expect((await b.claim(id))?.processId).toBe(a.processId);
    await a.release(id);
    const second = await b.claim(id);
    expect(second?.processId).toBe(b.processId);
    expect(second!.fence).toBeGreaterThan(first!.fence);
  });

  it('refuses an old owner that comes back after its lease lapsed and another took it', async () => {
    const [a, b] = [await open('http://a'), await open('http://b')];
    const id = conference();
    await a.claim(id);
    const lost: string[] = [];
    a.on('lost', (conferenceId) => lost.push(conferenceId));
    // A stops answering long enough for its lease to lapse (as a paused or partitioned process would), and B takes it.
    const redis = new Redis(REDIS_URL);
    try {
      // (A's renewal, once a second, may land between the two and take the free lease back, as it
      // should: then the lease is dropped again.)
      await eventually(async () => {
        await redis.del(`plenary:media:owner:${id}`);
        return (await b.claim(id))?.processId === b.processId;
      });
    } finally {
      redis.disconnect();
    }
    // A's next renewal finds B's lease: A lets the media go and does not take the lease back.
    await eventually(() => lost.length > 0);
    expect(lost).toEqual([id]);
    expect(a.owns(id)).toBe(false);
    expect((await a.holder(id))?.processId).toBe(b.processId);
  });

  it('keeps the media while Redis is away, and the lease once Redis is back', async () => {
    const redis = await TestRedis.create({ durable: false });
    const a = await RedisOwnership.connect(redis.url, () => 'http://a', quiet);
    try {
      const id = conference();
      await a.claim(id);
      const lost: string[] = [];
      a.on('lost', (conferenceId) => lost.push(conferenceId));
      await redis.kill();
      await new Promise((resolve) => setTimeout(resolve, 5000)); // two renewals fail
      expect(a.owns(id)).toBe(true);
      // Redis comes back empty (the lease is gone): the holder takes it again, nobody else had it.
      await redis.start();
      await eventually(async () => (await a.holder(id).catch(() => undefined))?.processId === a.processId, 15_000);
      expect(a.owns(id)).toBe(true);
      expect(lost).toEqual([]);
    } finally {
      await a.close();
      await redis.close();
    }
  });
});

import { TokenBucket } from './ratelimit';

describe('a socket\'s budget', () => {
  it('lets a burst through, then the refill rate', () => {
    let clock = 0;
    const bucket = new TokenBucket(2, 6, () => clock);
    expect(Array.from({ length: 10 }, () => bucket.take()).filter(Boolean)).toHaveLength(6);
    clock += 500;
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('grows its burst with the conference at once', () => {
    let venues = 2;
    const bucket = new TokenBucket(1, () => 10 + venues, () => 0);
    expect(Array.from({ length: 20 }, () => bucket.take()).filter(Boolean)).toHaveLength(12);
    venues = 6;
    expect(Array.from({ length: 20 }, () => bucket.take()).filter(Boolean)).toHaveLength(4);
  });
});

import { KeyedRateLimit } from './ratelimit';

describe('connection limits per address', () => {
  it('let a burst in, then the refill rate, and keep a flooder limited across the map\'s clean-ups', () => {
    let clock = 0;
    const limit = new KeyedRateLimit(2, 6, () => clock);
    const flood = Array.from({ length: 10 }, () => limit.take('10.0.0.1'));
    expect(flood.filter(Boolean)).toHaveLength(6);
    // Thousands of other addresses come and go: the clean-ups they trigger must not forgive the flooder.
    for (let i = 0; i < 3000; i++) limit.take(`10.1.${i >> 8}.${i & 255}`);
    expect(limit.take('10.0.0.1')).toBe(false);
    // Half a second later, one more token has come back.
    clock += 500;
    expect(limit.take('10.0.0.1')).toBe(true);
    expect(limit.take('10.0.0.1')).toBe(false);
  });
});

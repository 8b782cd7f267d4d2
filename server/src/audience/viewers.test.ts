import { MemoryViewerCounter, RedisViewerCounter, type ViewerCounter } from './viewers';

const redisUrl = process.env.PLENARY_TEST_REDIS_URL as string;

describe.each([
  ['in memory', (now: () => number) => Promise.resolve(new MemoryViewerCounter(1, now))],
  ['in Redis', (now: () => number) => RedisViewerCounter.connect(redisUrl, 1, now)],
])('the viewer count %s', (_name, make: (now: () => number) => Promise<ViewerCounter>) => {
  let clock = 1_800_000_000_000;
  let counter: ViewerCounter;
  const conference = `viewers-${Math.random().toString(36).slice(2)}`;

  beforeAll(async () => {
    counter = await make(() => clock);
  });
  afterAll(() => counter.close());

  it('counts each watching page once, however often it announces itself, and forgets pages that left', async () => {
    for (const id of ['a', 'b', 'c']) await counter.seen(conference, id);
    await counter.seen(conference, 'a');
    expect(await counter.count(conference)).toBe(3);
    expect(await counter.count(`${conference}-other`)).toBe(0);

    // Next window: only a and b are still announcing; the last full window still says 3.
    clock += 30_000;
    await counter.seen(conference, 'a');
    await counter.seen(conference, 'b');
    expect(await counter.count(conference)).toBe(3);
    // A window later, c is gone.
    clock += 30_000;
    await counter.seen(conference, 'a');
    await counter.seen(conference, 'b');
    expect(await counter.count(conference)).toBe(2);
    // Nobody announces for two windows: nobody is watching.
    clock += 60_000;
    expect(await counter.count(conference)).toBe(0);
  });
});

it('scales a sampled count up to the whole audience', async () => {
  const counter = new MemoryViewerCounter(0.1, () => 0);
  for (let i = 0; i < 7; i++) await counter.seen('big', `viewer-${i}`);
  expect(await counter.count('big')).toBe(70);
});

import { runSoak } from './soak';

// The soak, short, in CI: two server processes on Redis, two workers, four simulated venues,
// 100 control clients, 200 LL-HLS viewers through the edge, a floor change every 10 s.
// The full-length run is `npm run bench:soak` (docs/benchmarks.md).
it('runs a short soak without an error: every floor change reaches every client, the edge shields the origin', async () => {
  const result = await runSoak({ seconds: 30, venues: 4, clients: 100, viewers: 200, floorEvery: 10 });
  expect(result.load.connected).toBe(100);
  expect(result.floorChanges).toBeGreaterThanOrEqual(3);
  expect(result.errors.commands).toBe(0);
  expect(result.errors.floorChangesNotDelivered).toBe(0);
  expect(result.errors.viewerRequests).toBeGreaterThan(1000);
  expect(result.errors.viewerRequestsFailed).toBe(0);
  // 200 viewers make hundreds of requests a second; the origin sees a handful.
  expect(result.originRequestsPerSecond).toBeLessThan(20);
}, 240_000);

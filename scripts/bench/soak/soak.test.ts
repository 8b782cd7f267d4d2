import { runSoak } from './soak';

// The soak, short, in CI: two server processes on Redis, two workers, four simulated venues,
// 100 control clients, 200 LL-HLS viewers through the edge, a floor change every 10 s, and one
// of the two workers killed 10 s in.
// The full-length run is `npm run bench:soak` (docs/benchmarks.md).
it('runs a short soak without an error: every floor change reaches every client, the edge shields the origin, a dead worker is replaced', async () => {
  const result = await runSoak({ seconds: 30, venues: 4, clients: 100, viewers: 200, floorEvery: 10, killWorkerAt: 10 });
  const { errors, workerDeath } = result;
  // Every check at once, so that a failure shows all the numbers of the run.
  const checks: [string, boolean][] = [
    ['every client connected', result.load.connected === 100],
    ['at least 3 floor changes', result.floorChanges >= 3],
    ['no command failed', errors.commands === 0],
    ['every floor change reached every client', errors.floorChangesNotDelivered === 0],
    ['viewers were served', errors.viewerRequests > 1000],
    // The worker took the encoder down with it: viewers' requests fail until the new broadcast
    // has its first parts; every viewer then plays on by itself (parts 0.5 s apart normally).
    ['no viewer went 10 s without a new part', errors.viewerLongestStallSeconds < 10],
    // 200 viewers make hundreds of requests a second; the origin sees a handful.
    ['the origin sees under 20 requests/s', result.originRequestsPerSecond < 20],
    // Every venue sends again after the worker died, in the time the issue allows.
    ['all 5 venues send again', workerDeath?.venuesSendingAgain === '5 of 5'],
    ['within 10 s', (workerDeath?.secondsUntilAllSendAgain ?? Infinity) < 10],
  ];
  const failed = checks.filter(([, ok]) => !ok).map(([what]) => what);
  if (failed.length) throw new Error(`${failed.join('; ')}\n${JSON.stringify({ ...result, machine: undefined }, null, 1)}`);
}, 240_000);

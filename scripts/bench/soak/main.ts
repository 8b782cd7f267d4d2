// Soak at full length (see soak.ts for what runs):
//
//   npm run bench:soak   (SOAK_SECONDS=600 SOAK_VENUES=20 SOAK_CLIENTS=1000 SOAK_VIEWERS=5000 SOAK_FLOOR_EVERY=30
//                         SOAK_KILL_WORKER_AT=300, or off)
import { join } from 'node:path';
import { runBenchmark, writeResults } from '../lib/output';
import { runSoak } from './soak';

runBenchmark(async () => {
  process.chdir(join(__dirname, '..', '..', '..'));
  const options = {
    seconds: Number(process.env.SOAK_SECONDS ?? 600),
    venues: Number(process.env.SOAK_VENUES ?? 20),
    clients: Number(process.env.SOAK_CLIENTS ?? 1000),
    viewers: Number(process.env.SOAK_VIEWERS ?? 5000),
    floorEvery: Number(process.env.SOAK_FLOOR_EVERY ?? 30),
    // A worker is killed half-way unless SOAK_KILL_WORKER_AT=off.
    ...(process.env.SOAK_KILL_WORKER_AT === 'off' ? {} : { killWorkerAt: Number(process.env.SOAK_KILL_WORKER_AT ?? 300) }),
  };
  const logDir = join('test-output', 'soak');
  const result = await runSoak({ ...options, logDir, log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`server logs in ${logDir}/\n`);
  process.stdout.write(`${JSON.stringify({ ...result, samples: undefined })}\n`);
  writeResults(`soak-${options.seconds}s`, result);
});

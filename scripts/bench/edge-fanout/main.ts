// Benchmark: edge fan-out. N simulated LL-HLS viewers (child processes at nice
// 10) poll the broadcast through one nginx edge (one worker process, one core);
// the origin is a real Plenary broadcasting a 240p rendition of a simulated
// venue. Measured: requests the edge served per second, requests that reached
// the origin per second and per object (from the edge's cache status log: MISS
// = origin request), and failures. Goal: origin load flat as N grows. The
// smallest N is the baseline; ratios to it are reported.
//
//   npm run bench:edge-fanout      (EDGE_VIEWERS=1000,5000 to choose N; BROADCAST_PART_SECONDS=0.5 another part length)
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../../server/src/app/config';
import { startPlenary } from '../../../server/src/app/plenary';
import { freeTcpPort } from '../../../sfu/src/net/ports';
import { spawnTied } from '../../../sfu/src/net/child';
import { machine } from '../lib/machine';
import { partLengthRun, runBenchmark, writeResults } from '../lib/output';
import { sleep } from '../lib/stats';

const SIZES = (process.env.EDGE_VIEWERS ?? '1000,5000').split(',').map(Number);
const SECONDS = Number(process.env.EDGE_SECONDS ?? 20);
const PROCESSES = 2;
const ROOT = join(__dirname, '..', '..', '..');

async function main() {
  const archive = await mkdtemp(join(tmpdir(), 'plenary-bench-archive-'));
  const run = partLengthRun('edge-fanout');
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '240p', ARCHIVE_DIR: archive, PLENARY_ADMIN_KEY: 'bench-admin-key-0123456789', ...run.env });
  const plenary = await startPlenary(config, pino({ level: 'warn' }), { demo: true });
  const results = [];
  try {
    await sleep(8000); // a few segments into the live window
    for (const viewers of SIZES) {
      const port = await freeTcpPort();
      const dir = await mkdtemp(join(tmpdir(), 'plenary-bench-edge-'));
      const edge = spawnTied('bash', [join(ROOT, 'scripts', 'edge', 'run.sh'), new URL(plenary.url).host, String(port), dir], { stdio: 'ignore' });
      await sleep(1000);
      const playlistUrl = `http://127.0.0.1:${port}/hls/demo/240p/index.m3u8`;
      const children = Array.from({ length: PROCESSES }, () =>
        fork(join(__dirname, 'viewers.ts'), [], { execPath: 'nice', execArgv: ['-n', '10', process.execPath, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
      );
      const started = Date.now();
      const reports = await Promise.all(
        children.map(async (child) => {
          const report = once(child, 'message');
          child.send({ type: 'start', playlistUrl, viewers: Math.round(viewers / PROCESSES), seconds: SECONDS });
          const [message] = (await report) as [{ requests: number; failures: number }];
          return message;
        }),
      );
      const elapsed = (Date.now() - started) / 1000;
      const log = readFileSync(join(dir, 'access.log'), 'utf8').split('\n').filter(Boolean);
      const misses = log.filter((line) => line.split(' ').at(-2) === 'MISS');
      const objects = new Set(misses.map((line) => /"GET (\S+) /.exec(line)?.[1]));
      edge.kill('SIGTERM');
      await once(edge, 'exit');
      await rm(dir, { recursive: true, force: true });
      const requests = reports.reduce((sum, r) => sum + r.requests, 0);
      const result = {
        viewers,
        seconds: Math.round(elapsed * 10) / 10,
        edgeRequestsPerSecond: Math.round(log.length / elapsed),
        originRequestsPerSecond: Math.round((misses.length / elapsed) * 10) / 10,
        originRequestsPerObject: Math.round((misses.length / Math.max(1, objects.size)) * 100) / 100,
        viewerRequests: requests,
        failures: reports.reduce((sum, r) => sum + r.failures, 0),
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
      results.push(result);
    }
  } finally {
    await plenary.close();
    await rm(archive, { recursive: true, force: true });
  }
  const base = results[0];
  const summary = {
    machine: machine(),
    partSeconds: config.broadcastPartSeconds,
    edge: 'nginx 1.22 (Debian), one worker process, proxy_cache_lock; viewers: 2 niced Node processes (undici)',
    results: results.map((r) => ({ ...r, originLoadVsBaseline: base ? Math.round((r.originRequestsPerSecond / base.originRequestsPerSecond) * 100) / 100 : undefined })),
  };
  writeResults(run.results, summary);
}

runBenchmark(main);

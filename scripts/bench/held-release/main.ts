// Benchmark: releasing held blocking playlist requests. A real Plenary
// broadcasts a 360p rendition of a simulated venue; a child process (nice 10)
// holds N requests for a part a few parts ahead, all at once, and checks the
// server's health every 20 ms meanwhile. Measured in the server's process by a
// 1 ms ticker (each gap between ticks is the event loop held by something
// else), split by phase: the requests arriving (until all are held), and their
// release (from the tick that first sees the part until the last answer). Also
// the health checks answered during the release, and how long it took from
// first to last answer. N = 1 is the baseline (same server, broadcast and probe).
//
//   npm run bench:held-release      (HELD_REQUESTS=1,2000 to choose N, HELD_ROUNDS=6)
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../../server/src/app/config';
import { startPlenary } from '../../../server/src/app/plenary';
import { machine } from '../lib/machine';
import { runBenchmark, writeResults } from '../lib/output';
import { now, sleep, summarise } from '../lib/stats';

const SIZES = (process.env.HELD_REQUESTS ?? '1,2000').split(',').map(Number);
const ROUNDS = Number(process.env.HELD_ROUNDS ?? 6);
/** How many parts ahead of the live edge the requests wait (about 2 s at 0.5 s parts): time to send them all. */
const PARTS_AHEAD = 4;
const PARTS_PER_SEGMENT = 4;

/** Ticks every millisecond and remembers each gap: the longest gap in a span is how long the loop was held. */
class Ticker {
  private gaps: { at: number; ms: number }[] = [];
  private last = now();
  private timer: NodeJS.Timeout | undefined;
  /** Called on every tick (the driver watches for the part there). */
  onTick: (() => void) | undefined;

  start(): void {
    const tick = () => {
      const at = now();
      this.gaps.push({ at, ms: at - this.last - 1 });
      this.last = at;
      this.onTick?.();
      this.timer = setTimeout(tick, 1);
    };
    this.timer = setTimeout(tick, 1);
  }

  /** The longest gap that ended within [from, to]. */
  longest(from: number, to: number): number {
    return Math.round(Math.max(0, ...this.gaps.filter((g) => g.at >= from && g.at <= to).map((g) => g.ms)) * 10) / 10;
  }

  clear(): void {
    this.gaps = [];
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

type Round = { heldAllMs: number; arrivalMaxStallMs: number; releaseMaxStallMs: number; healthMaxMs: number; releaseMs: number; answered: number; failures: number };
type Released = { answered: number; failures: number; releaseMs: number; health: { at: number; ms: number }[] };

async function main() {
  const archive = await mkdtemp(join(tmpdir(), 'plenary-bench-archive-'));
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '360p', ARCHIVE_DIR: archive, PLENARY_ADMIN_KEY: 'bench-admin-key-0123456789' });
  const plenary = await startPlenary(config, pino({ level: 'warn' }), { demo: true });
  const holder = fork(join(__dirname, 'holder.ts'), [], { execPath: 'nice', execArgv: ['-n', '10', process.execPath, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ticker = new Ticker();
  ticker.start();
  const results = [];
  try {
    await sleep(8000); // a few segments into the live window
    const rendition = (await plenary.media.existingRoom('demo'))?.broadcast?.renditions.find((r) => r.name === '360p');
    if (!rendition) throw new Error('the demo is not broadcasting 360p');
    for (const requests of SIZES) {
      const rounds: Round[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const next = rendition.hls.nextPart();
        if (!next) throw new Error('no live edge');
        const ahead = next.part + PARTS_AHEAD - 1;
        const target = { msn: next.msn + Math.floor(ahead / PARTS_PER_SEGMENT), part: ahead % PARTS_PER_SEGMENT };
        let allHeldAt: number | undefined;
        let partSeenAt: number | undefined;
        ticker.clear();
        ticker.onTick = () => {
          if (allHeldAt === undefined && rendition.hls.waiting >= requests) allHeldAt = now();
          // The first tick that finds the part ends the gap in which the part arrived and its waiters went.
          if (partSeenAt === undefined && rendition.hls.part(target.msn, target.part)) partSeenAt = now();
        };
        const released = new Promise<Released>((resolve) =>
          holder.on('message', function done(m: { type: string }) {
            if (m.type === 'released') (holder.off('message', done), resolve(m as unknown as Released));
          }),
        );
        const sent = now();
        holder.send({ type: 'hold', url: `${plenary.url}/hls/demo/360p/index.m3u8?_HLS_msn=${target.msn}&_HLS_part=${target.part}`, healthUrl: `${plenary.url}/healthz`, requests });
        await once(holder, 'message'); // holding
        const report = await released;
        const end = now();
        ticker.onTick = undefined;
        if (allHeldAt === undefined || partSeenAt === undefined || allHeldAt > partSeenAt) throw new Error(`round ${round}: the part came before all ${requests} requests were held; raise PARTS_AHEAD`);
        const health = summarise(report.health.filter((h) => h.at >= partSeenAt!).map((h) => h.ms));
        rounds.push({
          heldAllMs: Math.round(allHeldAt - sent),
          arrivalMaxStallMs: ticker.longest(sent, allHeldAt),
          releaseMaxStallMs: ticker.longest(partSeenAt, end),
          healthMaxMs: health.max,
          releaseMs: Math.round(report.releaseMs),
          answered: report.answered,
          failures: report.failures,
        });
        process.stdout.write(`${JSON.stringify({ requests, round, ...rounds[rounds.length - 1] })}\n`);
        await sleep(1000);
      }
      const of = (key: keyof Round) => summarise(rounds.map((r) => r[key]));
      results.push({ requests, rounds, arrivalMaxStallMs: of('arrivalMaxStallMs'), releaseMaxStallMs: of('releaseMaxStallMs'), healthCheckMaxMs: of('healthMaxMs'), releaseMs: of('releaseMs'), failures: rounds.reduce((n, r) => n + r.failures, 0) });
    }
  } finally {
    ticker.stop();
    holder.kill();
    await plenary.close();
    await rm(archive, { recursive: true, force: true });
  }
  writeResults(process.env.HELD_RELEASE_NAME ?? 'held-release', {
    machine: machine(),
    setup: 'one Plenary process (360p ladder, 1 simulated venue); one niced undici client holding the requests and probing /healthz every 20 ms; stalls from a 1 ms ticker in the server process',
    results,
  });
}

runBenchmark(main);

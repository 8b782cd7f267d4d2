// Benchmark: one owner for the conference's media, and faults viewers must not
// see (issue 13). Two server processes (three mediasoup workers each) on one
// Redis, the demo conference with simulated venues and the ladder, an nginx
// edge with both origins, simulated LL-HLS viewers and one hls.js player in
// Chromium behind the edge. A census of broadcast encoders under each process
// runs throughout. Then, in turn: SIGKILL of a venue worker, of the program's
// worker, of the owner's whole process group (a machine lost), and a rolling
// restart of both processes. For each: the viewers' longest time without a new
// part (against the longest in a quiet window of the same run), failed
// requests, how long until the venues send again, and the player's fatal errors.
//
//   npm run bench:ownership        (BROADCAST_LADDER=360p for a lighter ladder; VIEWERS=20)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Owned, freePort, startRedis } from '../lib/processes';
import { machine } from '../lib/machine';
import { runBenchmark, writeResults } from '../lib/output';
import { sleep } from '../lib/stats';
import { SimulatedViewers } from './viewers';
import { startEdge } from '../../../server/src/test/edge';
import { TestBrowser } from '../../../server/src/test/browser';
import { ControlClient, rawEmit } from '../../../server/src/test/control-client';
import { broadcastEncoders } from '../../../server/src/test/processes';
import { demoHostSecret } from '../../../server/src/conference/demo';

const ADMIN_KEY = 'bench-admin-key-0123456789';
const LADDER = process.env.BROADCAST_LADDER ?? '720p,480p,360p';
const VIEWERS = Number(process.env.VIEWERS ?? 20);
/** What each fault is watched for after it happens. */
const AFTER_FAULT_MS = 15_000;
const SIMULATED = ['main', 'sv-1', 'sv-2'];
const TRIALS = 3;
/** Workers per process: the program's, and two for venues (so venues stay apart from it after a fault). */
const WORKERS = 3;

type Server = { port: number; archive: string; process: Owned };
type Player = { frames: number; fatalErrors: number; lastFatalError: string | undefined };

async function startServer(port: number, redisUrl: string, archive: string): Promise<Server> {
  const child = spawn(process.execPath, ['server/dist/main.js'], {
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', PORT: String(port), RTC_PORT: '0', ANNOUNCED_IP: '127.0.0.1',
      MEDIASOUP_WORKERS: String(WORKERS), LOG_LEVEL: 'warn', BROADCAST_LADDER: LADDER, DEMO_SIMULATED_VENUES: '2', REDIS_URL: redisUrl,
      PLENARY_ADMIN_KEY: ADMIN_KEY, ARCHIVE_DIR: archive, JOIN_RATE_PER_ADDRESS: '10000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: the owner's loss is the loss of everything it started.
    detached: true,
  });
  return { port, archive, process: await new Owned(child).ready('Plenary is running') };
}

const pidOf = (server: Server) => server.process.child.pid as number;
const urlOf = (server: Server) => `http://127.0.0.1:${server.port}`;

async function crash(server: Server): Promise<void> {
  const exited = once(server.process.child, 'exit');
  process.kill(-pidOf(server), 'SIGKILL');
  await exited;
}

/** The process's mediasoup workers, and the programs and venues each carries (from /healthz). */
async function workersOf(server: Server): Promise<{ pid: number; programs: number; venues: number }[]> {
  const health = (await (await fetch(`${urlOf(server)}/healthz`)).json()) as { mediasoup: { workers: { pid: number; programs: number; venues: number }[] } };
  return health.mediasoup.workers;
}

/** The venues whose camera reaches the media host with a bitrate, as the presider's media health says. */
async function venuesSending(presider: ControlClient): Promise<Set<string>> {
  const answer = (await rawEmit(presider, 'media:stats').catch(() => undefined)) as { ok: boolean; data?: { venueId: string; kind: string; bitrate: number }[] } | undefined;
  return new Set((answer?.ok ? (answer.data ?? []) : []).filter((s) => s.kind === 'video' && s.bitrate > 0).map((s) => s.venueId));
}

async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    await sleep(100);
  }
  return undefined;
}

const playerState = (tab: Page) => tab.evaluate(() => (globalThis as unknown as { plenary: { broadcastState(): Player } }).plenary.broadcastState());

async function main() {
  const redis = await startRedis();
  const servers: Server[] = [];
  for (let i = 0; i < 2; i++) servers.push(await startServer(await freePort(), redis.url, await mkdtemp(join(tmpdir(), 'plenary-bench-owner-'))));
  const edge = await startEdge(servers.map(urlOf));
  const browser = await TestBrowser.start();
  const hostSecret = demoHostSecret(ADMIN_KEY);
  const census: { at: number; phase: string; encoders: number[] }[] = [];
  let phase = 'start';
  let counting = true;
  const counter = (async () => {
    while (counting) {
      census.push({ at: Date.now(), phase, encoders: servers.map((server) => (server.process.child.exitCode === null && server.process.child.signalCode === null ? broadcastEncoders(pidOf(server)) : 0)) });
      await sleep(250);
    }
  })();
  const viewers = new SimulatedViewers(`${edge.url}/hls/demo/360p/index.m3u8`, VIEWERS);
  const phases: Record<string, unknown> = {};
  try {
    const player = await browser.newTab();
    await player.evaluate((url) => (globalThis as unknown as { plenary: { watchBroadcast(u: string): void } }).plenary.watchBroadcast(url), `${edge.url}/hls/demo/master.m3u8`);
    const owner = () => servers.find((server) => broadcastEncoders(pidOf(server)) === 1);
    const hosting = await until(async () => owner(), 60_000);
    if (!hosting) throw new Error('no process broadcasts the demo conference');
    const presider = await ControlClient.connect(urlOf(hosting), { conferenceId: 'demo', hostSecret }, { reconnection: true });
    await presider.command({ type: 'giveFloor', venueId: 'sv-1' });
    await until(async () => (await venuesSending(presider)).size === SIMULATED.length, 30_000);
    phase = 'quiet';
    const quietFrom = Date.now();
    await sleep(20_000);
    phases.quiet = { longestGapMs: viewers.longestGapMs(quietFrom, Date.now()), failures: viewers.failuresBetween(quietFrom, Date.now()), player: await playerState(player) };

    const fault = async (name: string, inflict: () => Promise<void>, sendingVia: () => ControlClient) => {
      phase = name;
      const before = await playerState(player);
      const at = Date.now();
      await inflict();
      // Venues back: all sending again after the fault took some (0 when none stopped).
      const dropped = await until(async () => (await venuesSending(sendingVia())).size < SIMULATED.length, 3000);
      const back = dropped ? await until(async () => ((await venuesSending(sendingVia())).size === SIMULATED.length ? Date.now() : undefined), AFTER_FAULT_MS * 2) : at;
      await sleep(Math.max(0, at + AFTER_FAULT_MS - Date.now()));
      const after = await playerState(player);
      phases[name] = {
        longestGapMs: viewers.longestGapMs(at, Date.now()),
        failures: viewers.failuresBetween(at, Date.now()),
        venuesBackMs: back === undefined ? null : back - at,
        playerFatalErrors: after.fatalErrors - before.fatalErrors,
        ...(after.fatalErrors > before.fatalErrors ? { playerLastFatalError: after.lastFatalError } : {}),
        playerFramesAfter: after.frames - before.frames,
      };
      process.stdout.write(`${name}: ${JSON.stringify(phases[name])}\n`);
    };

    // Each worker fault three times (its own trial each): the machine is shared, one sample says little.
    const current = owner() as Server;
    for (let trial = 1; trial <= TRIALS; trial++) {
      for (const [name, programs] of [['venue worker SIGKILL', false], ['program worker SIGKILL', true]] as const) {
        // The program's worker, or the venue worker carrying the most venues.
        const workers = (await workersOf(current)).filter((w) => (w.programs > 0) === programs).sort((a, b) => b.venues - a.venues);
        const worker = workers[0];
        if (worker) await fault(`${name} #${trial}`, async () => void process.kill(worker.pid, 'SIGKILL'), () => presider);
      }
    }

    const standby = servers.find((server) => server !== current) as Server;
    const survivorPresider = await ControlClient.connect(urlOf(standby), { conferenceId: 'demo', hostSecret }, { reconnection: true });
    await fault('owner process group SIGKILL', () => crash(current), () => survivorPresider);
    (phases['owner process group SIGKILL'] as Record<string, unknown>).floorAfter = survivorPresider.state.floor.holder;
    presider.close();
    phase = 'the killed process started again';
    servers[servers.indexOf(current)] = await startServer(current.port, redis.url, current.archive);
    await sleep(10_000);

    await fault('rolling restart', async () => {
      for (const i of [0, 1]) {
        const server = servers[i] as Server;
        await server.process.stop();
        servers[i] = await startServer(server.port, redis.url, server.archive);
        await sleep(8000);
      }
    }, () => survivorPresider);
    survivorPresider.close();
  } finally {
    await viewers.stop();
    counting = false;
    await counter;
    await browser.close();
    await edge.stop();
    for (const server of servers) await server.process.stop();
    await redis.stop();
    for (const server of servers) await rm(server.archive, { recursive: true, force: true });
  }
  // Per phase: samples with exactly one broadcast encoder in the two processes together, none, more.
  const byPhase: Record<string, { samples: number; exactlyOne: number; none: number; moreThanOne: number }> = {};
  for (const sample of census) {
    const total = sample.encoders.reduce((a, b) => a + b, 0);
    const counts = (byPhase[sample.phase] ??= { samples: 0, exactlyOne: 0, none: 0, moreThanOne: 0 });
    counts.samples++;
    if (total === 1) counts.exactlyOne++;
    else if (total === 0) counts.none++;
    else counts.moreThanOne++;
  }
  const totals = census.map((sample) => sample.encoders.reduce((a, b) => a + b, 0));
  const results = {
    machine: machine(),
    setup: { processes: 2, workersPerProcess: WORKERS, ladder: LADDER, simulatedVenues: SIMULATED.length, simulatedViewers: VIEWERS, chromiumViewers: 1, edgeUpstreams: 2 },
    census: { samples: totals.length, exactlyOne: totals.filter((n) => n === 1).length, none: totals.filter((n) => n === 0).length, moreThanOne: totals.filter((n) => n > 1).length, everyQuarterSecond: true, byPhase },
    phases,
    viewerFailures: viewers.failureKinds,
  };
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  writeResults('ownership', results);
}

runBenchmark(main);

// Soak: a whole conference under load for a while. Two Plenary processes on one
// Redis: A hosts the conference's media (SOAK_VENUES simulated venues spread
// over two mediasoup workers, piped to the program switcher) and the broadcast;
// B serves control clients only. SOAK_CLIENTS control clients (raw socket.io
// WebSockets) are split over A and B; SOAK_VIEWERS simulated LL-HLS viewers
// (niced) poll the broadcast through the nginx edge; the presider gives
// the floor to the next venue every SOAK_FLOOR_EVERY seconds. Every 10 s the
// CPU and memory of A and B (with their workers, encoder and venues) and the
// origin's request rate are sampled. Reported: errors, memory growth, CPU, the
// p99 fan-out of floor changes, origin requests/s.
//
// main.ts runs it at full length; soak.test.ts runs it short in CI.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectClient } from 'socket.io-client';
import { machine } from '../lib/machine';
import { Owned, freePort, startPlenary, startRedis } from '../lib/processes';
import { now, sleep, summarise } from '../lib/stats';
import { cpuTicksBetween, treeUsage } from './usage';

export interface SoakOptions {
  seconds: number;
  venues: number;
  clients: number;
  viewers: number;
  floorEvery: number;
  /** Prints each sample as it is taken. */
  log?: (line: string) => void;
  /** Where to keep the two servers' whole logs (a.log, b.log) and the edge's access log, for reading after a bad run. */
  logDir?: string;
  /** SIGKILL one of A's two mediasoup workers this many seconds in, and time the recovery. */
  killWorkerAt?: number;
}

const SAMPLE_EVERY = 10;
const ADMIN_KEY = 'soak-admin-key-0123456789';
const ROOT = join(__dirname, '..', '..', '..');

/**
 * A child running a TypeScript file at a niceness. The viewers (busy) run at 10 and yield the CPU
 * to what they measure; the control clients (idle but for pings and 20 events) run at 0: at 10
 * on the saturated cores they went unscheduled for seconds, missed their pings and were dropped
 * by the hundreds (runs 4 and 6 in docs/benchmarks.md).
 */
const niced = (file: string, niceness: number): ChildProcess =>
  fork(join(__dirname, '..', file), [], { execPath: 'nice', execArgv: ['-n', String(niceness), process.execPath, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

/** Sends a child a message and waits for its answer (failing after timeoutMs: a stuck generator must not hang the soak). */
async function ask<T>(child: ChildProcess, message: unknown, timeoutMs: number): Promise<T> {
  const reply = once(child, 'message', { signal: AbortSignal.timeout(timeoutMs) });
  child.send(message as never);
  return ((await reply) as [T])[0];
}

/** Runs the soak and returns what it measured. */
export async function runSoak(options: SoakOptions) {
  const { seconds: SECONDS, venues: VENUES, clients: CLIENTS, viewers: VIEWERS, floorEvery: FLOOR_EVERY } = options;
  const archive = await mkdtemp(join(tmpdir(), 'plenary-soak-'));
  const owned: { stop(): Promise<void> }[] = [];
  const children: ChildProcess[] = [];
  try {
    const redis = await startRedis();
    owned.push(redis);
    // Info level: worker, encoder, venue and socket lifecycles are in the logs, so a death can be named.
    const common = { LOG_LEVEL: 'info', REDIS_URL: redis.url, PLENARY_ADMIN_KEY: ADMIN_KEY, SOCKETS_PER_LINK: '1000', JOIN_RATE_PER_ADDRESS: '10000' };
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await startPlenary(portA, { ...common, MEDIASOUP_WORKERS: '2', DEMO_SIMULATED_VENUES: String(VENUES), BROADCAST_LADDER: '360p', ARCHIVE_DIR: archive });
    owned.push(a);
    const b = await startPlenary(portB, common);
    owned.push(b);
    const [urlA, urlB] = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];

    // Join links of every simulated sub-venue; control clients are spread over them and over A and B.
    const tokens: string[] = [];
    for (let v = 1; v <= VENUES; v++) {
      const res = await fetch(`${urlA}/api/conferences/demo/venues/sv-${v}/link`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: '{}' });
      const url = ((await res.json()) as { data: { url: string } }).data.url;
      tokens.push(url.slice(url.lastIndexOf('/') + 1));
    }
    const generators = [niced('control-fanout/generator.ts', 0), niced('control-fanout/generator.ts', 0)];
    children.push(...generators);
    const clients = Array.from({ length: CLIENTS }, (_, i) => ({ url: i % 2 === 0 ? urlA : urlB, token: tokens[i % tokens.length] as string }));
    const ready = await Promise.all(generators.map((g, i) => ask<{ clients: number }>(g, { type: 'start', clients: clients.filter((_, j) => j % generators.length === i) }, 180_000)));
    const connected = ready.reduce((sum, r) => sum + r.clients, 0);

    const edgePort = await freePort();
    const edgeDir = await mkdtemp(join(tmpdir(), 'plenary-soak-edge-'));
    const edge = new Owned(spawn('bash', [join(ROOT, 'scripts', 'edge', 'run.sh'), `127.0.0.1:${portA}`, String(edgePort), edgeDir], { stdio: ['ignore', 'pipe', 'pipe'] }));
    owned.push(edge);
    await sleep(8000); // the broadcast has a few segments
    const viewerProcesses = [niced('edge-fanout/viewers.ts', 10), niced('edge-fanout/viewers.ts', 10)];
    children.push(...viewerProcesses);
    const viewerReports = viewerProcesses.map((child) =>
      ask<{ requests: number; failures: number; longestStallMs: number }>(child, { type: 'start', playlistUrl: `http://127.0.0.1:${edgePort}/hls/demo/360p/index.m3u8`, viewers: Math.round(VIEWERS / viewerProcesses.length), seconds: SECONDS }, (SECONDS + 120) * 1000),
    );

    const presider = connectClient(urlA, { auth: { conferenceId: 'demo', hostSecret: hostSecretOf(a) }, transports: ['websocket'], forceNew: true });
    await new Promise<void>((resolve) => presider.once('connect', () => resolve()));
    const sent = new Map<number, number>();
    let commandErrors = 0;
    const samples: { at: number; cpuA: number; cpuB: number; rssA: number; rssB: number; nodeRssA: number; originRequests: number; processesA: Record<string, { count: number; rssMiB: number }> }[] = [];
    const start = Date.now();
    let last = { a: treeUsage(a.child.pid as number), b: treeUsage(b.child.pid as number), at: Date.now(), misses: 0 };
    const edgeLog = { path: join(edgeDir, 'access.log'), offset: 0, partial: '' };
    let nextFloor = start;
    let nextSample = start + SAMPLE_EVERY * 1000;
    let turn = 0;
    let workerKill: ReturnType<typeof killAWorker> | undefined;
    while (Date.now() - start < SECONDS * 1000) {
      if (options.killWorkerAt !== undefined && !workerKill && Date.now() - start >= options.killWorkerAt * 1000) {
        workerKill = killAWorker(urlA, presider, VENUES);
        workerKill.catch(() => undefined);
      }
      if (Date.now() >= nextFloor) {
        const venueId = `sv-${(turn++ % VENUES) + 1}`;
        const t0 = now();
        const answer = (await presider.timeout(10_000).emitWithAck('command', { id: `soak-${Date.now()}-${turn}`, command: { type: 'giveFloor', venueId } }).catch(() => ({ ok: false }))) as { ok: boolean; data?: { version: number } };
        if (answer.ok && answer.data) sent.set(answer.data.version, t0);
        else commandErrors++;
        nextFloor += FLOOR_EVERY * 1000;
      }
      if (Date.now() >= nextSample) {
        const usage = { a: treeUsage(a.child.pid as number), b: treeUsage(b.child.pid as number), at: Date.now() };
        const misses = last.misses + originRequestsSince(edgeLog);
        const seconds = (usage.at - last.at) / 1000;
        samples.push({
          at: Math.round((usage.at - start) / 1000),
          cpuA: Math.round(cpuTicksBetween(last.a.ticks, usage.a.ticks) / seconds),
          cpuB: Math.round(cpuTicksBetween(last.b.ticks, usage.b.ticks) / seconds),
          rssA: Math.round(usage.a.rssBytes / 2 ** 20),
          rssB: Math.round(usage.b.rssBytes / 2 ** 20),
          nodeRssA: Math.round(usage.a.ownRssBytes / 2 ** 20),
          originRequests: Math.round(((misses - last.misses) / seconds) * 10) / 10,
          processesA: usage.a.census,
        });
        options.log?.(JSON.stringify(samples[samples.length - 1]));
        last = { ...usage, misses };
        nextSample += SAMPLE_EVERY * 1000;
      }
      await sleep(200);
    }
    const workerDeath = await workerKill;
    presider.close();
    const viewers = await Promise.all(viewerReports);
    const reports = await Promise.all(generators.map((g) => ask<{ arrivals: Record<string, number[]>; drops: number; reconnects: number }>(g, { type: 'report' }, 60_000)));
    const latencies: number[] = [];
    let missed = 0;
    for (const [version, t0] of sent) {
      const arrivals = reports.flatMap((r) => r.arrivals[String(version)] ?? []);
      missed += connected - arrivals.length;
      latencies.push(...arrivals.map((at) => at - t0));
    }
    const steady = samples.slice(1);
    const mean = (values: number[]) => Math.round(values.reduce((x, y) => x + y, 0) / Math.max(1, values.length));
    const result = {
      machine: machine(),
      date: new Date().toISOString(),
      load: { seconds: SECONDS, venues: VENUES, controlClients: CLIENTS, connected, viewers: VIEWERS, floorEverySeconds: FLOOR_EVERY, workers: 2, serverProcesses: 2 },
      errors: { commands: commandErrors, floorChangesNotDelivered: missed, viewerRequestsFailed: viewers.reduce((s, v) => s + v.failures, 0), viewerRequests: viewers.reduce((s, v) => s + v.requests, 0), viewerLongestStallSeconds: Math.max(...viewers.map((v) => v.longestStallMs)) / 1000 },
      floorChanges: sent.size,
      // Control clients the servers dropped (missed pings: starved generators) and that connected again.
      clientDrops: { dropped: reports.reduce((n, r) => n + r.drops, 0), reconnected: reports.reduce((n, r) => n + r.reconnects, 0) },
      ...(workerDeath ? { workerDeath } : {}),
      fanoutMs: summarise(latencies),
      cpuPercentOfOneCore: { a: mean(steady.map((s) => s.cpuA)), b: mean(steady.map((s) => s.cpuB)) },
      memoryMiB: { nodeAFirst: steady[0]?.nodeRssA, nodeALast: steady.at(-1)?.nodeRssA, treeAFirst: steady[0]?.rssA, treeALast: steady.at(-1)?.rssA, treeBFirst: steady[0]?.rssB, treeBLast: steady.at(-1)?.rssB },
      originRequestsPerSecond: mean(steady.map((s) => s.originRequests * 10)) / 10,
      serverProblems: { a: logged(a.printed, 40), b: logged(b.printed, 40) },
      serverEvents: { a: logged(a.printed, 30), b: logged(b.printed, 30) },
      samples,
    };
    if (options.logDir) {
      await mkdir(options.logDir, { recursive: true });
      await writeFile(join(options.logDir, 'a.log'), a.printed);
      await writeFile(join(options.logDir, 'b.log'), b.printed);
      await copyFile(join(edgeDir, 'access.log'), join(options.logDir, 'edge-access.log'));
    }
    await rm(edgeDir, { recursive: true, force: true });
    return result;
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const running of owned.reverse()) await running.stop();
    await rm(archive, { recursive: true, force: true });
  }
}

/**
 * What a server logged (pino JSON lines) at `level` or above, counted by message;
 * disconnections are counted by reason too (a starved client times out, a server closes).
 */
function logged(printed: string, level: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of printed.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level: number; msg?: string; reason?: string };
      if (entry.level < level) continue;
      const key = entry.msg === 'disconnected' ? `disconnected: ${entry.reason}` : entry.msg ?? '?';
      counts[key] = (counts[key] ?? 0) + 1;
    } catch {
      // not a log line
    }
  }
  return counts;
}

/**
 * Kills one of A's mediasoup workers and measures, from the presider's own view (media:stats),
 * the seconds until every venue's camera (the main venue and the simulated ones) sends again.
 */
async function killAWorker(urlA: string, presider: ReturnType<typeof connectClient>, venues: number) {
  const health = (await (await fetch(`${urlA}/healthz`)).json()) as { mediasoup: { workers: { pid: number }[] } };
  const victim = health.mediasoup.workers[1]?.pid ?? health.mediasoup.workers[0]?.pid;
  if (!victim) throw new Error('A reports no mediasoup worker');
  const killedAt = Date.now();
  process.kill(victim, 'SIGKILL');
  const expected = venues + 1;
  let sending = 0;
  while (Date.now() - killedAt < 60_000) {
    await sleep(500);
    type Stats = { ok: boolean; data?: { venueId: string; kind: string; bitrate: number }[] };
    const stats = (await presider.timeout(5000).emitWithAck('media:stats').catch(() => ({ ok: false }))) as Stats;
    sending = new Set((stats.data ?? []).filter((s) => s.kind === 'video' && s.bitrate > 0).map((s) => s.venueId)).size;
    if (sending === expected) break;
  }
  return { killedPid: victim, venuesSendingAgain: `${sending} of ${expected}`, secondsUntilAllSendAgain: sending === expected ? (Date.now() - killedAt) / 1000 : null };
}

/**
 * Origin requests (cache MISS lines) the edge logged since the last call: only the new bytes
 * are read, so the driver does not stall on a log of half a million lines (it did: the
 * presider's own socket missed its pings).
 */
function originRequestsSince(log: { path: string; offset: number; partial: string }): number {
  const fd = openSync(log.path, 'r');
  try {
    const size = fstatSync(fd).size;
    const bytes = Buffer.alloc(size - log.offset);
    readSync(fd, bytes, 0, bytes.length, log.offset);
    log.offset = size;
    const lines = (log.partial + bytes.toString('utf8')).split('\n');
    log.partial = lines.pop() ?? '';
    return lines.filter((line) => line.split(' ').at(-2) === 'MISS').length;
  } finally {
    closeSync(fd);
  }
}

/** The demo's presider link as A printed it: its host secret. */
function hostSecretOf(server: Owned): string {
  const secret = /#key=(\S+)/.exec(server.printed)?.[1];
  if (!secret) throw new Error('no presider link printed');
  return secret;
}


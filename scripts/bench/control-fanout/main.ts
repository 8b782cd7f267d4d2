// Benchmark: time from the presider's "give floor" to the event arriving at N
// connected control clients, for a bare socket.io baseline, Plenary in one
// process (in-memory state), and Plenary in two processes on Redis.
//
//   npx tsx scripts/bench/control-fanout/main.ts        (after npm run build)
//   FANOUT_SIZES=100,1000 FANOUT_SWITCHES=10 ...        for a shorter run
//
// Results: docs/bench/control-fanout.json; summary in docs/benchmarks.md.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { io as connectClient } from 'socket.io-client';
import { machine } from '../lib/machine';
import { runBenchmark, writeResults } from '../lib/output';
import { Owned, freePort, startPlenary, startRedis } from '../lib/processes';
import { now, sleep, summarise } from '../lib/stats';

const SIZES = (process.env.FANOUT_SIZES ?? '100,1000,5000').split(',').map(Number);
const SWITCHES = Number(process.env.FANOUT_SWITCHES ?? 20);
const GENERATORS = 2;
const SUB_VENUES = 100;
const ADMIN_KEY = 'bench-admin-key-0123456789';
const ROOT = join(__dirname, '..', '..', '..');

type Config = { name: string; kind: 'baseline' } | { name: string; kind: 'plenary'; servers: 1 | 2; redis: boolean };
const CONFIGS: Config[] = [
  { name: 'baseline: bare socket.io broadcast', kind: 'baseline' },
  { name: 'Plenary, 1 process, in-memory state', kind: 'plenary', servers: 1, redis: false },
  { name: 'Plenary, 2 processes, Redis adapter', kind: 'plenary', servers: 2, redis: true },
];

interface Setup {
  urls: string[];
  presiderAuth: Record<string, unknown>;
  tokens: string[];
  owned: { stop(): Promise<void> }[];
}

async function setUp(config: Config): Promise<Setup> {
  if (config.kind === 'baseline') {
    const port = await freePort();
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'baseline-server.ts'), String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const server = await new Owned(child).ready('Plenary is running');
    return { urls: [`http://127.0.0.1:${port}`], presiderAuth: {}, tokens: ['baseline-token-0000'], owned: [server] };
  }
  const owned: { stop(): Promise<void> }[] = [];
  let redisUrl: string | undefined;
  if (config.redis) {
    const redis = await startRedis();
    owned.push(redis);
    redisUrl = redis.url;
  }
  // The load is thousands of clients on 100 links and from one address: lift the per-link and per-address limits.
  const env = { PLENARY_ADMIN_KEY: ADMIN_KEY, SOCKETS_PER_LINK: '1000', JOIN_RATE_PER_ADDRESS: '10000', ...(redisUrl ? { REDIS_URL: redisUrl } : {}) };
  const ports = await Promise.all(Array.from({ length: config.servers }, () => freePort()));
  for (const port of ports) owned.push(await startPlenary(port, env));
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  const res = await fetch(`${urls[0]}/api/conferences`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: 'fanout',
      title: 'Fan-out benchmark',
      mainVenueName: 'Main',
      subVenues: Array.from({ length: SUB_VENUES }, (_, i) => ({ name: `Venue ${i + 1}` })),
    }),
  });
  const created = (await res.json()) as { data: { hostSecret: string; joinLinks: { url: string }[] } };
  return {
    urls,
    presiderAuth: { conferenceId: 'fanout', hostSecret: created.data.hostSecret },
    tokens: created.data.joinLinks.map((link) => link.url.slice(link.url.lastIndexOf('/') + 1)),
    owned,
  };
}

function startGenerator(): ChildProcess {
  // Niced, so that the servers under test get the CPU first on this 2-core machine.
  return fork(join(__dirname, 'generator.ts'), [], { execPath: 'nice', execArgv: ['-n', '10', process.execPath, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

async function measure(config: Config, clients: number) {
  const setup = await setUp(config);
  const generators = Array.from({ length: GENERATORS }, startGenerator);
  try {
    const assignments = Array.from({ length: clients }, (_, i) => ({
      url: setup.urls[i % setup.urls.length] as string,
      token: setup.tokens[i % setup.tokens.length] as string,
    }));
    const connectStarted = now();
    await Promise.all(
      generators.map(async (generator, g) => {
        const ready = once(generator, 'message');
        generator.send({ type: 'start', clients: assignments.filter((_, i) => i % GENERATORS === g) });
        await ready;
      }),
    );
    const connectSeconds = (now() - connectStarted) / 1000;
    const presider = connectClient(setup.urls[0] as string, { auth: setup.presiderAuth, transports: ['websocket'], forceNew: true });
    await new Promise<void>((resolve) => presider.once('connect', () => resolve()));
    await sleep(2000); // presence events of every venue settle

    const sent = new Map<number, number>();
    const acks: number[] = [];
    for (let i = 0; i < SWITCHES; i++) {
      const venueId = i % 2 === 0 ? 'sv-1' : 'sv-2';
      const t0 = now();
      const answer = (await presider.timeout(10_000).emitWithAck('command', { id: `bench-${Date.now()}-${i}`, command: { type: 'giveFloor', venueId } })) as { ok: boolean; data: { version: number } };
      acks.push(now() - t0);
      if (!answer.ok) throw new Error(`giveFloor failed: ${JSON.stringify(answer)}`);
      sent.set(answer.data.version, t0);
      // Space the changes so one fan-out does not queue behind the previous one.
      await sleep(Math.max(300, clients / 10));
    }
    await sleep(1000);
    const reports = await Promise.all(
      generators.map(async (generator) => {
        const reply = once(generator, 'message');
        generator.send({ type: 'report' });
        const [message] = (await reply) as [{ arrivals: Record<string, number[]> }];
        return message.arrivals;
      }),
    );
    const latencies: number[] = [];
    let missing = 0;
    for (const [version, t0] of sent) {
      const arrivals = reports.flatMap((r) => r[String(version)] ?? []);
      missing += clients - arrivals.length;
      latencies.push(...arrivals.map((at) => at - t0));
    }
    presider.close();
    return { config: config.name, clients, switches: SWITCHES, connectSeconds: Math.round(connectSeconds * 10) / 10, missing, fanout: summarise(latencies), presiderAck: summarise(acks) };
  } finally {
    for (const generator of generators) generator.send({ type: 'stop' });
    await Promise.all(generators.map((generator) => (generator.exitCode === null ? once(generator, 'exit') : undefined)));
    for (const owned of setup.owned.reverse()) await owned.stop();
  }
}

async function main() {
  process.chdir(ROOT);
  const results: Awaited<ReturnType<typeof measure>>[] = [];
  for (const clients of SIZES) {
    for (const config of CONFIGS) {
      const result = await measure(config, clients);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      results.push(result);
    }
  }
  const ratios = SIZES.map((clients) => {
    const of = (name: string) => results.find((r) => r.clients === clients && r.config === name)?.fanout.p99 ?? Number.NaN;
    const base = of(CONFIGS[0]!.name);
    return { clients, p99VsBaseline: Object.fromEntries(CONFIGS.slice(1).map((c) => [c.name, Math.round((of(c.name) / base) * 100) / 100])) };
  });
  process.stdout.write(`${JSON.stringify(ratios)}\n`);
  writeResults('control-fanout', { machine: machine(), generators: GENERATORS, subVenues: SUB_VENUES, results, ratios });
}

runBenchmark(main);

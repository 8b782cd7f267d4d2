// Benchmark: restream. The live broadcast (the default ladder, two simulated venues)
// pushed to N real RTMP servers (ffmpeg -listen), passthrough, no second encode.
// Measures each push's CPU (share of one core, from /proc) against the ladder
// encoder's in the same run, and the delay it adds: for each floor change, the wall
// time the first frame of the new venue is decoded at the RTMP server, less the time
// it is decoded from the packager's own parts fed straight to a local ffmpeg (the
// baseline: the program as the HLS origin has it). Both readers decode with ffmpeg,
// so decoding cancels out.
//
//   npm run bench:restream
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { routerMediaCodecs } from '../../../sfu/src/codecs';
import { Broadcast } from '../../../sfu/src/egress/broadcast';
import { DEFAULT_LADDER, parseLadder } from '../../../sfu/src/egress/ladder';
import { Restreams } from '../../../sfu/src/egress/restreams';
import { ProgramSwitcher } from '../../../sfu/src/program/switcher';
import { SimulatedVenue } from '../../../sfu/src/simulated/venue';
import { WorkerPool } from '../../../sfu/src/workers/pool';
import { machine } from '../lib/machine';
import { runBenchmark, writeResults } from '../lib/output';
import { freePort } from '../lib/processes';
import { sleep, summarise } from '../lib/stats';

const DESTINATIONS = 2;
const SWITCHES = 12;
const SWITCH_EVERY_MS = 5000;
const COLOURS = { main: { r: 210, g: 210, b: 40 }, 'sv-1': { r: 210, g: 40, b: 40 } } as const;

/** Seconds of CPU a process has used (user + system). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** An ffmpeg decoding what it reads, telling each frame's venue (by its brightness) as it decodes it. */
function frameWatcher(child: ChildProcess, onFrame: (venue: 'main' | 'sv-1', at: number) => void): void {
  let buffered = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const at = Date.now();
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const luma = /mean:\[(\d+)/.exec(line)?.[1];
      // The main venue is yellow (bright), Jilin City red (dark).
      if (luma) onFrame(Number(luma) > 140 ? 'main' : 'sv-1', at);
    }
  });
}

const decodeArgs = ['-vf', 'showinfo', '-f', 'null', '-'];

async function main() {
  const logger = pino({ level: 'warn' });
  const pool = await WorkerPool.create({ numWorkers: 1, listenIp: '127.0.0.1', rtcBasePort: 0, logger });
  const router = await pool.pick().worker.createRouter({ mediaCodecs: routerMediaCodecs });
  const switcher = await ProgramSwitcher.create(router, { fallbackVenueId: 'main', logger });
  const venues: SimulatedVenue[] = [];
  for (const venueId of ['main', 'sv-1'] as const) {
    const venue = await SimulatedVenue.start({ router, name: venueId, colour: COLOURS[venueId], logger });
    venues.push(venue);
    await switcher.addSource(venueId, venue.videoProducer);
    await switcher.addSource(venueId, venue.audioProducer);
  }
  await switcher.setOnAir('main');
  const ladder = DEFAULT_LADDER.join(',');
  const broadcast = await Broadcast.start(router, switcher, { rungs: parseLadder(ladder), partSeconds: 0.5, segmentSeconds: 2, windowSegments: 10, logger });
  const owned: ChildProcess[] = [];

  // The baseline reader: the packager's top rendition, fed as the restream is fed, decoded here.
  const local = spawn('ffmpeg', ['-hide_banner', '-f', 'mov', '-i', 'pipe:0', ...decodeArgs], { stdio: ['pipe', 'ignore', 'pipe'] });
  owned.push(local);
  local.stdin?.on('error', () => undefined);
  const top = broadcast.renditions[0]?.hls;
  if (!top) throw new Error('no top rendition');
  let fed = false;
  top.onPart((placement, part) => {
    if (!fed) {
      const init = top.initFor(top.segmentAt(placement.msn)?.initVersion ?? -1);
      if (!part.independent || !init) return;
      local.stdin?.write(init);
      fed = true;
    }
    local.stdin?.write(part.bytes);
  });

  // The RTMP servers, and the destinations pushing to them.
  const seen: { venue: 'main' | 'sv-1'; at: number }[][] = [[]];
  frameWatcher(local, (venue, at) => seen[0]?.push({ venue, at }));
  const specs = [];
  for (let n = 1; n <= DESTINATIONS; n++) {
    const port = await freePort();
    const server = spawn('ffmpeg', ['-hide_banner', '-listen', '1', '-f', 'flv', '-i', `rtmp://127.0.0.1:${port}/live/bench-${n}`, ...decodeArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    owned.push(server);
    const frames: { venue: 'main' | 'sv-1'; at: number }[] = [];
    seen.push(frames);
    frameWatcher(server, (venue, at) => frames.push({ venue, at }));
    specs.push({ id: `rs-${n}`, url: `rtmp://127.0.0.1:${port}/live/bench-${n}` });
  }
  const restreams = new Restreams(logger);
  restreams.follow(broadcast);
  await restreams.set(specs);
  const deadline = Date.now() + 30_000;
  while (!restreams.statuses().every((s) => s.state === 'live')) {
    if (Date.now() > deadline) throw new Error(`not live: ${JSON.stringify(restreams.statuses())}`);
    await sleep(200);
  }
  await sleep(6000); // past the servers' probing

  // CPU over the switching window: the encoder and each push.
  const pushPids = (await import('node:child_process')).execFileSync('pgrep', ['-f', 'pipe:3 -f mov -i pipe:4'], { encoding: 'utf8' }).trim().split('\n').map(Number);
  const encoderPid = broadcast.encoderPid as number;
  const before = { encoder: cpuSeconds(encoderPid), pushes: pushPids.map(cpuSeconds), at: Date.now() };

  const switches: { to: 'main' | 'sv-1'; at: number }[] = [];
  for (let i = 0; i < SWITCHES; i++) {
    const to = i % 2 === 0 ? 'sv-1' : 'main';
    switches.push({ to, at: Date.now() });
    await switcher.setOnAir(to);
    await sleep(SWITCH_EVERY_MS);
  }
  const wall = (Date.now() - before.at) / 1000;
  const encoderCore = (cpuSeconds(encoderPid) - before.encoder) / wall;
  const pushCores = pushPids.map((pid, i) => (cpuSeconds(pid) - (before.pushes[i] ?? 0)) / wall);

  /** When a reader first decoded the venue switched to, after each switch. */
  const arrivals = (frames: { venue: string; at: number }[]) => switches.map(({ to, at }) => frames.find((f) => f.at >= at && f.venue === to)?.at);
  const baseline = arrivals(seen[0] ?? []);
  const perDestination = seen.slice(1).map((frames) => {
    const got = arrivals(frames);
    const behind = got.flatMap((t, i) => (t !== undefined && baseline[i] !== undefined ? [t - (baseline[i] as number)] : []));
    const fromSwitch = got.flatMap((t, i) => (t !== undefined ? [t - (switches[i]?.at ?? 0)] : []));
    return { behindPackagerMs: summarise(behind), switchToRtmpServerMs: summarise(fromSwitch), missed: got.filter((t) => t === undefined).length };
  });
  const switchToPackager = summarise(baseline.flatMap((t, i) => (t !== undefined ? [t - (switches[i]?.at ?? 0)] : [])));
  const statuses = restreams.statuses();

  await restreams.close();
  for (const child of owned) child.kill('SIGKILL');
  await broadcast.close();
  switcher.close();
  await Promise.all(venues.map((v) => v.close()));
  await pool.close();

  const round = (x: number) => Math.round(x * 1000) / 10;
  const summary = {
    machine: machine(),
    ladder,
    destinations: DESTINATIONS,
    switches: SWITCHES,
    cpuPercentOfOneCore: { encoder: round(encoderCore), pushes: pushCores.map(round), pushVsEncoder: pushCores.map((c) => Math.round((c / encoderCore) * 1000) / 1000) },
    bitrates: statuses.map((s) => s.bitrate),
    switchToPackagerMs: switchToPackager,
    perDestination,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  writeResults('restream', summary);
}

runBenchmark(main);

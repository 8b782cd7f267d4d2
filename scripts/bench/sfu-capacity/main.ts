// Benchmark: SFU capacity. How many consumers of one venue's video a single
// mediasoup worker (one core) forwards while keeping up. One simulated venue
// sends a busy picture at a fixed bitrate; N PlainTransport consumers forward
// it to a UDP sink that the kernel discards (a process that binds and never
// reads), so the receiving side costs nothing. For each N: the worker's CPU
// (getrusage over a window) and the delivery ratio (packets the consumers sent
// / packets the producer received x N). Keeping up: delivery >= 0.99 and the
// worker below 90% of its core. Baseline in the same run: the worker's CPU with
// the producer alone (N = 0).
//
//   npm run bench:sfu-capacity     (CAPACITY_STEPS=0,100,250 to change the steps)
import pino from 'pino';
import type { types } from 'mediasoup';
import { routerMediaCodecs } from '../../../sfu/src/codecs';
import { findFreeUdpPortPair } from '../../../sfu/src/net/ports';
import { spawnTied } from '../../../sfu/src/net/child';
import { plainRtpCapabilities } from '../../../sfu/src/selftest/loopback';
import { SimulatedVenue } from '../../../sfu/src/simulated/venue';
import { WorkerPool } from '../../../sfu/src/workers/pool';
import { machine } from '../lib/machine';
import { runBenchmark, writeResults } from '../lib/output';
import { sleep } from '../lib/stats';

const STEPS = (process.env.CAPACITY_STEPS ?? '0,100,250,500,750,1000').split(',').map(Number);
const BITRATE = 1_000_000;
const WINDOW_MS = 5000;

async function cpuMs(worker: types.Worker): Promise<number> {
  const usage = await worker.getResourceUsage();
  return usage.ru_utime + usage.ru_stime;
}

async function producerPackets(producer: types.Producer): Promise<number> {
  return (await producer.getStats()).reduce((sum, s) => sum + s.packetCount, 0);
}

/** Packets all consumers sent; asked in parallel so the snapshot is close to one instant. */
async function consumerPackets(consumers: types.Consumer[]): Promise<number> {
  const stats = await Promise.all(consumers.map((consumer) => consumer.getStats()));
  return stats.flat().reduce((sum, s) => sum + (s.type === 'outbound-rtp' ? s.packetCount : 0), 0);
}

async function main() {
  const logger = pino({ level: 'warn' });
  const sinkPort = await findFreeUdpPortPair('127.0.0.1');
  // A UDP sink that binds and never reads: the kernel drops what overflows its buffer.
  const sink = spawnTied('python3', ['-c', `import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('127.0.0.1',${sinkPort}))\ntime.sleep(3600)`], { stdio: 'ignore' });
  const pool = await WorkerPool.create({ numWorkers: 1, listenIp: '127.0.0.1', rtcBasePort: 0, logger });
  const { worker } = pool.pick();
  const router = await worker.createRouter({ mediaCodecs: routerMediaCodecs });
  const venue = await SimulatedVenue.start({ router, name: 'Load', colour: { r: 0, g: 0, b: 0 }, width: 320, height: 240, bitrate: BITRATE, busy: true, logger });
  const consumers: types.Consumer[] = [];
  const results = [];
  try {
    await sleep(3000);
    for (const target of STEPS) {
      while (consumers.length < target) {
        const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
        await transport.connect({ ip: '127.0.0.1', port: sinkPort });
        consumers.push(await transport.consume({ producerId: venue.videoProducer.id, rtpCapabilities: plainRtpCapabilities(router.rtpCapabilities) }));
      }
      // New consumers ask the source for keyframes; let that settle before measuring.
      await sleep(5000);
      // Rates, each over its own window; the worker's CPU window holds nothing but forwarding
      // (stats requests cost the worker CPU too, so they stay outside it).
      const out0 = await consumerPackets(consumers);
      const outAt0 = Date.now();
      const in0 = await producerPackets(venue.videoProducer);
      const inAt0 = Date.now();
      const cpu0 = await cpuMs(worker);
      const cpuAt0 = Date.now();
      await sleep(WINDOW_MS);
      const cpu1 = await cpuMs(worker);
      const cpuAt1 = Date.now();
      const in1 = await producerPackets(venue.videoProducer);
      const inAt1 = Date.now();
      const out1 = await consumerPackets(consumers);
      const outAt1 = Date.now();
      const inRate = ((in1 - in0) / (inAt1 - inAt0)) * 1000;
      const outRate = ((out1 - out0) / (outAt1 - outAt0)) * 1000;
      const step = {
        consumers: target,
        workerCpuPercent: Math.round(((cpu1 - cpu0) / (cpuAt1 - cpuAt0)) * 1000) / 10,
        producerPacketsPerSecond: Math.round(inRate),
        forwardedPacketsPerSecond: Math.round(outRate),
        delivery: target === 0 ? 1 : Math.round((outRate / (inRate * target)) * 1000) / 1000,
      };
      process.stdout.write(`${JSON.stringify(step)}\n`);
      results.push(step);
      // Past saturation the worker answers slowly and more consumers prove nothing.
      if (step.workerCpuPercent > 95 || step.delivery < 0.95) break;
    }
  } finally {
    await venue.close();
    await pool.close();
    sink.kill();
  }
  const keepsUp = results.filter((r) => r.delivery >= 0.99 && r.workerCpuPercent < 90);
  const summary = {
    machine: machine(),
    source: `one simulated venue, VP8 320x240 noise at ${BITRATE / 1e6} Mbit/s`,
    steps: results,
    maxConsumersKeepingUp: Math.max(0, ...keepsUp.map((r) => r.consumers)),
    baselineCpuPercent: results.find((r) => r.consumers === 0)?.workerCpuPercent,
  };
  writeResults('sfu-capacity', summary);
}

runBenchmark(main);

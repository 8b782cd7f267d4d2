import { once } from 'node:events';
import { routerMediaCodecs } from '../codecs';
import { testLogger } from '../test/logger';
import { WorkerPool, type MediaWorker } from './pool';

const ANNOUNCED = '192.0.2.10';

describe('the mediasoup worker pool', () => {
  let pool: WorkerPool;

  beforeAll(async () => {
    pool = await WorkerPool.create({
      numWorkers: 2,
      listenIp: '127.0.0.1',
      announcedAddress: ANNOUNCED,
      rtcBasePort: 0,
      respawnDelayMs: 100,
      logger: testLogger,
    });
  });

  afterAll(() => pool.close());

  it('runs real workers, each with its own process and WebRTC port', () => {
    const status = pool.status();
    expect(status).toHaveLength(2);
    const [first, second] = status;
    expect(first?.pid).not.toBe(second?.pid);
    expect(first?.rtcPort).not.toBe(second?.rtcPort);
    for (const { pid } of status) expect(() => process.kill(pid, 0)).not.toThrow();
    expect(pool.version).toBe('3.14.16');
  });

  it('creates a WebRTC transport on the worker\'s single port, with ICE-lite and DTLS parameters a browser can use', async () => {
    const { worker, webRtcServer, rtcPort } = pool.pick();
    const router = await worker.createRouter({ mediaCodecs: routerMediaCodecs });
    try {
      const transport = await router.createWebRtcTransport({ webRtcServer, enableUdp: true, enableTcp: true, preferUdp: true });
      expect(transport.iceRole).toBe('controlled');
      expect(transport.iceParameters.iceLite).toBe(true);
      expect(transport.iceParameters.usernameFragment).toMatch(/^\S{8,}$/);
      expect(transport.iceParameters.password).toMatch(/^\S{16,}$/);

      const candidates = transport.iceCandidates.map((c) => ({ protocol: c.protocol, address: c.address, port: c.port }));
      expect(candidates).toEqual(
        expect.arrayContaining([
          { protocol: 'udp', address: ANNOUNCED, port: rtcPort },
          { protocol: 'tcp', address: ANNOUNCED, port: rtcPort },
        ]),
      );
      expect(transport.iceCandidates.find((c) => c.protocol === 'tcp')?.tcpType).toBe('passive');

      expect(transport.dtlsParameters.role).toBe('auto');
      const sha256 = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256');
      expect(sha256?.value).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(transport.iceState).toBe('new');
      expect(transport.dtlsState).toBe('new');
    } finally {
      router.close();
    }
  });

  it('spreads new routers across workers', () => {
    const picks = new Set([pool.pick().index, pool.pick().index]);
    expect(picks).toEqual(new Set([0, 1]));
  });

  it('replaces a worker that dies, with a fresh process that serves routers', async () => {
    const victim = pool.workers[0] as MediaWorker;
    const respawned = once(pool, 'workerrespawned') as Promise<[MediaWorker, number]>;
    process.kill(victim.worker.pid, 'SIGKILL');
    const [replacement, diedPid] = await respawned;
    expect(diedPid).toBe(victim.worker.pid);
    expect(replacement.index).toBe(0);
    expect(replacement.worker.pid).not.toBe(victim.worker.pid);
    expect(pool.status().map((s) => s.pid)).toContain(replacement.worker.pid);
    const router = await replacement.worker.createRouter({ mediaCodecs: routerMediaCodecs });
    expect(router.rtpCapabilities.codecs?.map((c) => c.mimeType)).toEqual(
      expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']),
    );
    router.close();
  });

  it('refuses a pool without workers', async () => {
    await expect(
      WorkerPool.create({ numWorkers: 0, listenIp: '127.0.0.1', rtcBasePort: 0, logger: testLogger }),
    ).rejects.toThrow(TypeError);
  });
});

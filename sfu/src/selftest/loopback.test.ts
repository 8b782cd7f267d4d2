import type { types } from 'mediasoup';
import { routerMediaCodecs } from '../codecs';
import { testLogger } from '../test/logger';
import { WorkerPool } from '../workers/pool';
import { runLoopbackSelfTest } from './loopback';

describe('media through a real router', () => {
  let pool: WorkerPool;
  let router: types.Router;

  beforeAll(async () => {
    pool = await WorkerPool.create({ numWorkers: 1, listenIp: '127.0.0.1', rtcBasePort: 0, logger: testLogger });
    router = await pool.pick().worker.createRouter({ mediaCodecs: routerMediaCodecs });
  });

  afterAll(() => pool.close());

  it('carries an ffmpeg test picture through a PlainTransport producer and a consumer to a recording that decodes', async () => {
    const result = await runLoopbackSelfTest(router, { width: 320, height: 240, frames: 45, logger: testLogger });
    expect(result.codec).toBe('vp8');
    expect(result.width).toBe(320);
    expect(result.height).toBe(240);
    // The recorder stops after 45 frames; every one of them must decode.
    expect(result.framesDecoded).toBe(45);
    expect(result.decodeErrors).toBe('');
  });

  it('leaves no transports behind on the router', async () => {
    const dump = await router.dump();
    expect(dump.transportIds).toEqual([]);
  });
});

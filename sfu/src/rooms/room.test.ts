import { once } from 'node:events';
import type { Cut } from '../program/track';
import { testLogger } from '../test/logger';
import { RtpRecorder } from '../test/recorder';
import { WorkerPool } from '../workers/pool';
import { ConferenceRoom } from './room';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a conference whose venues span two workers', () => {
  let pool: WorkerPool;
  let room: ConferenceRoom;
  let otherWorker: number;

  beforeAll(async () => {
    pool = await WorkerPool.create({ numWorkers: 2, listenIp: '127.0.0.1', rtcBasePort: 0, respawnDelayMs: 100, logger: testLogger });
    room = await ConferenceRoom.create(pool, 'spread', { fallbackVenueId: 'main', logger: testLogger });
    otherWorker = pool.workers.find((w) => w.index !== room.worker.index)?.index as number;
    room.routers.place('main', room.worker.index);
    room.routers.place('sv-1', otherWorker);
    await room.addSimulatedVenue('main', 'Changchun', { r: 210, g: 210, b: 40 });
    await room.addSimulatedVenue('sv-1', 'Jilin City', { r: 210, g: 40, b: 40 });
  });

  afterAll(async () => {
    await room.close();
    await pool.close();
  });

  it('puts a venue on another worker on air through a pipe to the switcher\'s router', async () => {
    expect((await room.routers.edgeFor('sv-1')).worker.index).toBe(otherWorker);
    const cuts: Cut[] = [];
    room.switcher.on('cut', (cut) => cuts.push(cut));
    await room.setOnAir('main');
    await sleep(800);
    const recorder = await RtpRecorder.start(room.router, room.switcher.videoProducer);
    try {
      await room.setOnAir('sv-1');
      await sleep(1500);
      const recording = await recorder.finish();
      expect(recording.decodeErrors).toBe('');
      expect(cuts.filter((c) => c.kind === 'video').map((c) => c.venueId)).toEqual(['main', 'sv-1']);
      // The last frames are Jilin City's red, carried across workers.
      const [r, g, b] = recording.colours[recording.colours.length - 1] as [number, number, number];
      expect(r).toBeGreaterThan(150);
      expect(g).toBeLessThan(100);
      expect(b).toBeLessThan(100);
    } finally {
      await recorder.remove();
    }
  });

  it('is lost as a whole when the worker of one of its venues dies', async () => {
    const lost = once(room, 'lost');
    const victim = pool.workers.find((w) => w.index === otherWorker);
    process.kill(victim?.worker.pid as number, 'SIGKILL');
    const [simulated] = (await lost) as [{ venueId: string }[]];
    expect(simulated.map((v) => v.venueId).sort()).toEqual(['main', 'sv-1']);
  });
});

import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import type { Cut } from '../program/track';
import { testLogger } from '../test/logger';
import { RtpRecorder } from '../test/recorder';
import { nextCut } from '../test/waits';
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
    const main = nextCut(room.switcher, 'main');
    await room.setOnAir('main');
    await main;
    const recorder = await RtpRecorder.start(room.router, room.switcher.videoProducer);
    try {
      const jilin = nextCut(room.switcher, 'sv-1');
      await room.setOnAir('sv-1');
      await jilin;
      await sleep(1000); // a second of Jilin City's picture after the cut
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

  it('is lost as a whole when the program switcher\'s worker dies (a venue worker takes only its venues: venue-worker.test.ts)', async () => {
    const lost = once(room, 'lost');
    process.kill(room.worker.worker.pid, 'SIGKILL');
    const [simulated] = (await lost) as [{ venueId: string }[]];
    expect(simulated.map((v) => v.venueId).sort()).toEqual(['main', 'sv-1']);
  });
});

describe('a simulated venue whose sender stops by itself', () => {
  let pool: WorkerPool;
  let room: ConferenceRoom;

  beforeAll(async () => {
    pool = await WorkerPool.create({ numWorkers: 1, listenIp: '127.0.0.1', rtcBasePort: 0, logger: testLogger });
    room = await ConferenceRoom.create(pool, 'restarts', { fallbackVenueId: 'main', logger: testLogger });
    await room.addSimulatedVenue('main', 'Changchun', { r: 210, g: 210, b: 40 });
    await room.addSimulatedVenue('sv-1', 'Jilin City', { r: 210, g: 40, b: 40 });
    await room.setOnAir('sv-1');
  });

  afterAll(async () => {
    await room.close();
    await pool.close();
  });

  const bitrateOf = async (venueId: string) => (await room.stats()).find((s) => s.venueId === venueId && s.kind === 'video')?.bitrate ?? 0;

  it('is started again and stays on air, so the program does not stay on a frozen picture', async () => {
    const before = room.producerOf('sv-1', 'video');
    process.kill(room.simulatedSenderPid('sv-1') as number, 'SIGKILL');
    const deadline = Date.now() + 15_000;
    while (room.producerOf('sv-1', 'video') === before || (await bitrateOf('sv-1')) === 0) {
      if (Date.now() > deadline) throw new Error('the simulated venue did not publish again within 15 s');
      await sleep(200);
    }
    expect(room.switcher.videoOnAir).toBe('sv-1');
    expect(room.simulatedVenues().map((v) => v.venueId).sort()).toEqual(['main', 'sv-1']);
  });

  /** Until the venue publishes and sends (a restarted sender takes longer on a loaded machine). */
  const sending = async (venueId: string) => {
    const deadline = Date.now() + 15_000;
    while (!room.producerOf(venueId, 'video') || (await bitrateOf(venueId)) === 0) {
      if (Date.now() > deadline) throw new Error(`${venueId} is not sending within 15 s`);
      await sleep(200);
    }
    return room.producerOf(venueId, 'video');
  };

  it('tells whoever receives the venue that its stream went, so they can receive the new one', async () => {
    await sending('sv-1');
    const transport = await room.createWebRtcTransport('main');
    const gone: string[] = [];
    const consumer = await room.consume('main', transport.id, { venueId: 'sv-1', kind: 'video' }, room.rtpCapabilities, (id) => gone.push(id));
    process.kill(room.simulatedSenderPid('sv-1') as number, 'SIGKILL');
    const deadline = Date.now() + 15_000;
    while (gone.length === 0 || room.producerOf('sv-1', 'video')?.id === consumer.producerId) {
      if (Date.now() > deadline) throw new Error('no notice, or no new stream, within 15 s');
      await sleep(200);
    }
    expect(gone).toEqual([consumer.id]);
    await sending('sv-1');
    const again = await room.consume('main', transport.id, { venueId: 'sv-1', kind: 'video' }, room.rtpCapabilities);
    expect(again.producerId).not.toBe(consumer.producerId);
  });

  it('keeps publishing when the venue\'s operator leaves (it stands in for a camera, not for the operator)', async () => {
    const camera = await sending('sv-1');
    await room.venueLeft('sv-1');
    await sleep(1000);
    expect(room.producerOf('sv-1', 'video')).toBe(camera);
    expect(camera?.closed).toBe(false);
    expect(await bitrateOf('sv-1')).toBeGreaterThan(0);
  });

  it('is not started again when the venue leaves before the restart', async () => {
    process.kill(room.simulatedSenderPid('sv-1') as number, 'SIGKILL');
    await sleep(200); // the exit is noticed and a restart scheduled (after 0.5-1 s)
    await room.closeVenue('sv-1');
    await sleep(2500);
    expect(room.producerOf('sv-1', 'video')).toBeUndefined();
    expect(room.simulatedVenues().map((v) => v.venueId)).toEqual(['main']);
  });
});

describe('a room closed while a simulated venue starts twice at once (its operator left on two paths)', () => {
  it('leaves no sender running', async () => {
    const pool = await WorkerPool.create({ numWorkers: 1, listenIp: '127.0.0.1', rtcBasePort: 0, logger: testLogger });
    const room = await ConferenceRoom.create(pool, 'race', { fallbackVenueId: 'main', logger: testLogger });
    const name = `Race ${process.pid}-${Date.now()}`;
    /** The senders of this venue alive now (stopped ones too; not the dead). */
    const senders = () =>
      execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(`text=${name}`))
        .map((line) => line.trim().split(/\s+/)).filter(([, stat]) => !stat?.startsWith('Z')).map(([pid]) => Number(pid));
    const start = () => room.addSimulatedVenue('sv-1', name, { r: 210, g: 40, b: 40 });
    try {
      await start();
      // Each sender in place is frozen (SIGSTOP), so that stopping it takes the full grace period:
      // the first start waits for the old sender, the second (started meanwhile) is done first, and
      // the first then replaces the second, slowly. The room closes during that hand-over.
      const old = room.simulatedSenderPid('sv-1') as number;
      process.kill(old, 'SIGSTOP');
      const first = start();
      const second = start();
      await second;
      const replaced = room.simulatedSenderPid('sv-1') as number;
      process.kill(replaced, 'SIGSTOP');
      const deadline = Date.now() + 30_000;
      while (!senders().some((pid) => pid !== old && pid !== replaced)) {
        if (Date.now() > deadline) throw new Error('the first start did not start its sender within 30 s');
        await sleep(50);
      }
      await room.close();
      await first.catch(() => undefined);
      expect(senders()).toEqual([]);
    } finally {
      for (const pid of senders()) process.kill(pid, 'SIGKILL');
      await room.close();
      await pool.close();
    }
  }, 40_000);
});

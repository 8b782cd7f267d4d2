import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Cut } from '../program/track';
import { testLogger } from '../test/logger';
import { RtpRecorder } from '../test/recorder';
import { nextCut } from '../test/waits';
import { WorkerPool } from '../workers/pool';
import { ConferenceRoom } from './room';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it gives a value (30 s at most, else `failure`). */
async function until<T>(check: () => T | undefined, failure: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${failure} within 30 s`);
    await sleep(20);
  }
}

/**
 * Whether a process has a SIGTERM waiting (a frozen process keeps it pending). Only SIGTERM: a
 * process frozen as it starts can show its SIGSTOP pending for a moment.
 */
const hasPendingTerm = (pid: number) => {
  const pending = /^ShdPnd:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
  return (BigInt(`0x${pending}`) & (1n << 14n)) !== 0n; // signal n is bit n - 1; SIGTERM is 15
};

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
      // A frozen sender (SIGSTOP) takes the full grace period to stop. The first start waits for the
      // old one, frozen; the second, started meanwhile, finds it already stopping and hands over at
      // once; its sender is frozen in turn, so that the first, once it has its own, replaces it slowly.
      // The room closes during that hand-over. (Which start is which does not matter: the one whose
      // sender is frozen is the one in place first; the other hands over from it.)
      const old = room.simulatedSenderPid('sv-1') as number;
      process.kill(old, 'SIGSTOP');
      const first = start();
      const second = start();
      const settled = Promise.allSettled([first, second]);
      let done = false;
      void settled.then(() => (done = true));
      const inPlace = await until(() => {
        const pid = room.simulatedSenderPid('sv-1');
        return pid !== undefined && pid !== old ? pid : undefined;
      }, 'no start handed over from the old sender');
      process.kill(inPlace, 'SIGSTOP');
      // The other start is stopping the frozen sender: its SIGTERM is pending.
      await until(() => {
        if (done && !hasPendingTerm(inPlace)) throw new Error('both starts handed over before the first could be frozen');
        return hasPendingTerm(inPlace) || undefined;
      }, 'the other start did not replace the frozen sender');
      await room.close();
      await settled;
      expect(senders()).toEqual([]);
    } finally {
      for (const pid of senders()) process.kill(pid, 'SIGKILL');
      await room.close();
      await pool.close();
    }
  }, 40_000);
});

import { testLogger } from '../test/logger';
import { WorkerPool } from '../workers/pool';
import { ConferenceRoom } from './room';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${typeof what === 'string' ? what : what()} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe('a venue worker that dies', () => {
  let pool: WorkerPool;
  let room: ConferenceRoom;

  beforeAll(async () => {
    pool = await WorkerPool.create({ numWorkers: 2, listenIp: '127.0.0.1', rtcBasePort: 0, respawnDelayMs: 200, logger: testLogger });
    room = await ConferenceRoom.create(pool, 'venue-worker', { fallbackVenueId: 'main', logger: testLogger });
  });

  afterAll(async () => {
    await room.close();
    await pool.close();
  });

  it('is never the program\'s: venues are placed apart from the switcher while another worker lives', async () => {
    const apart = await ConferenceRoom.create(pool, 'apart', { fallbackVenueId: 'main', logger: testLogger });
    try {
      for (const venueId of ['main', 'sv-1', 'sv-2', 'sv-3']) expect((await apart.routers.edgeFor(venueId)).worker.index).not.toBe(apart.worker.index);
    } finally {
      await apart.close();
    }
  });

  it('shows a slate when the picture on air goes and the main venue has none, and cuts back when a picture is there', async () => {
    const starved = await ConferenceRoom.create(pool, 'slate', { fallbackVenueId: 'main', logger: testLogger });
    const programBytes = async () => (await starved.switcher.videoProducer.getStats()).reduce((sum, s) => sum + s.byteCount, 0);
    try {
      await starved.addSimulatedVenue('sv-1', 'Jilin City', { r: 210, g: 40, b: 40 });
      await starved.setOnAir('sv-1');
      await until(() => starved.switcher.videoOnAir === 'sv-1', 'sv-1 on air');
      // Its picture goes, and there is no main venue's to fall back to: the slate, and the program goes on.
      await starved.closeVenue('sv-1');
      await until(() => starved.switcher.videoOnAir === 'slate', 'the slate on air');
      const flowing = await programBytes();
      await until(async () => (await programBytes()) > flowing + 20_000, 'the program flowing from the slate');
      // A picture is back: it is cut in, and the slate stops.
      await starved.addSimulatedVenue('sv-1', 'Jilin City', { r: 210, g: 40, b: 40 });
      await until(() => starved.switcher.videoOnAir === 'sv-1' && !starved.slate.showing, 'sv-1 back, the slate gone');
    } finally {
      await starved.close();
    }
  });

  it('takes only its venues: the program falls back, goes on on the same stream, and cuts back when they publish again', async () => {
    const other = pool.workers.find((w) => w.index !== room.worker.index);
    if (!other) throw new Error('two workers expected');
    room.routers.place('main', room.worker.index);
    room.routers.place('sv-1', other.index);
    room.routers.place('sv-2', other.index);
    await room.addSimulatedVenue('main', 'Changchun', { r: 210, g: 210, b: 40 });
    await room.addSimulatedVenue('sv-1', 'Jilin City', { r: 210, g: 40, b: 40 });
    // A browser venue on the same worker: it must be told to set its media up again.
    const browser = await room.createWebRtcTransport('sv-2');
    await room.setOnAir('sv-1');
    await until(() => room.switcher.videoOnAir === 'sv-1', 'sv-1 on air');

    let roomLost = false;
    room.once('lost', () => (roomLost = true));
    const told: string[][] = [];
    room.on('venuesLost', (venueIds) => told.push(venueIds));
    const program = room.switcher.videoProducer.id;
    const cameraBefore = room.producerOf('sv-1', 'video')?.id;
    const videoCuts: string[] = [];
    room.switcher.on('cut', (cut) => cut.kind === 'video' && videoCuts.push(cut.venueId));

    process.kill(other.worker.pid, 'SIGKILL');
    // The program falls back to the main venue (or, if the venue is back before the main venue's
    // next keyframe, goes straight on with it), then cuts to the venue publishing again on a live
    // worker, all on the same program stream; the floor stays where it was.
    await until(() => videoCuts.at(-1) === 'sv-1' && room.producerOf('sv-1', 'video')?.id !== cameraBefore, () => `a cut to the main venue and back to sv-1 (cuts ${videoCuts.join(',')}, on air ${room.switcher.videoOnAir}, sv-1 producer ${room.producerOf('sv-1', 'video')?.id})`);
    expect(room.switcher.floorHolder).toBe('sv-1');
    expect(told).toEqual([['sv-2']]);
    expect(room.producerOf('sv-1', 'video')?.id).not.toBe(cameraBefore);
    expect(roomLost).toBe(false);
    expect(room.switcher.videoProducer.id).toBe(program);
    // The browser venue's old transport is gone; a new one can be made.
    await expect(room.restartIce('sv-2', browser.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const again = await room.createWebRtcTransport('sv-2');
    expect(again.id).not.toBe(browser.id);
  });
});

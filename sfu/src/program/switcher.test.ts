import type { types } from 'mediasoup';
import { routerMediaCodecs } from '../codecs';
import { SimulatedVenue, type Rgb } from '../simulated/venue';
import { testLogger } from '../test/logger';
import { RtpRecorder } from '../test/recorder';
import { nextCut, until } from '../test/waits';
import { WorkerPool } from '../workers/pool';
import { ProgramSwitcher } from './switcher';
import type { Cut } from './track';

const COLOURS: Record<string, Rgb> = {
  main: { r: 210, g: 210, b: 40 },
  'sv-1': { r: 210, g: 40, b: 40 },
  'sv-2': { r: 40, g: 170, b: 40 },
  'sv-3': { r: 40, g: 40, b: 210 },
};

/** The venue whose colour is nearest to a frame's mean colour. */
function venueOf([r, g, b]: [number, number, number]): string {
  let best = '';
  let bestDistance = Infinity;
  for (const [venueId, c] of Object.entries(COLOURS)) {
    const distance = (r - c.r) ** 2 + (g - c.g) ** 2 + (b - c.b) ** 2;
    if (distance < bestDistance) [best, bestDistance] = [venueId, distance];
  }
  return best;
}

/** Consecutive runs of the same venue, e.g. [sv-1, sv-1, sv-2] -> [sv-1, sv-2]. */
const runs = (venues: string[]) => venues.filter((venue, i) => venue !== venues[i - 1]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the program switcher', () => {
  let pool: WorkerPool;
  let router: types.Router;
  let switcher: ProgramSwitcher;
  const venues = new Map<string, SimulatedVenue>();
  const cuts: Cut[] = [];

  beforeAll(async () => {
    pool = await WorkerPool.create({ numWorkers: 1, listenIp: '127.0.0.1', rtcBasePort: 0, logger: testLogger });
    router = await pool.pick().worker.createRouter({ mediaCodecs: routerMediaCodecs });
    switcher = await ProgramSwitcher.create(router, { fallbackVenueId: 'main', logger: testLogger });
    switcher.on('cut', (cut) => cuts.push(cut));
    for (const venueId of Object.keys(COLOURS)) await addVenue(venueId);
  });

  /** A venue's sender starts and becomes a program source. */
  async function addVenue(venueId: string): Promise<void> {
    const venue = await SimulatedVenue.start({ router, name: venueId, colour: COLOURS[venueId] as Rgb, logger: testLogger });
    venues.set(venueId, venue);
    await switcher.addSource(venueId, venue.videoProducer);
    await switcher.addSource(venueId, venue.audioProducer);
  }

  afterAll(async () => {
    switcher.close();
    await Promise.all([...venues.values()].map((venue) => venue.close()));
    await pool.close();
  });

  it('follows the floor A -> B -> C -> A in one stream that decodes cleanly, with timestamps that only go forward', async () => {
    const recorder = await RtpRecorder.start(router, switcher.videoProducer);
    try {
      // Each venue on air until its cut has happened, then a second of its picture is recorded.
      for (const venueId of ['sv-1', 'sv-2', 'sv-3', 'sv-1']) {
        const cut = nextCut(switcher, venueId);
        await switcher.setOnAir(venueId);
        await cut;
        await sleep(1000);
      }
      const recording = await recorder.finish();
      expect(recording.decodeErrors).toBe('');
      // Each section shows the right venue, in the order the floor moved.
      expect(runs(recording.colours.map(venueOf))).toEqual(['sv-1', 'sv-2', 'sv-3', 'sv-1']);
      // Timestamps increase across every cut, with no hole longer than the wait for a keyframe.
      const dts = recording.packetDts;
      expect(dts.length).toBeGreaterThan(100);
      expect(dts.every((t, i) => i === 0 || t > (dts[i - 1] as number))).toBe(true);
      const frameGaps = recording.frameTimes.slice(1).map((t, i) => t - (recording.frameTimes[i] as number));
      expect(Math.max(...frameGaps)).toBeLessThan(0.5);
      const videoCuts = cuts.filter((cut) => cut.kind === 'video').map((cut) => cut.venueId);
      expect(videoCuts).toEqual(['sv-1', 'sv-2', 'sv-3', 'sv-1']);
    } finally {
      await recorder.remove();
    }
  });

  it('keeps the main venue heard on its own track while the floor track follows the speaker', async () => {
    const yanji = nextCut(switcher, 'sv-3', 'audio');
    await switcher.setOnAir('sv-3');
    await yanji;
    const floorAudio = await RtpRecorder.start(router, switcher.audioProducer);
    const mainAudio = await RtpRecorder.start(router, switcher.mainAudioProducer);
    try {
      await sleep(2000); // Yanji speaks
      await switcher.setOnAir('main'); // the floor track falls silent at once (no keyframe to wait for)
      await sleep(2000); // back to the main venue
      await Promise.all([floorAudio.stop(), mainAudio.stop()]);
      // The speaker's tone is on the floor track, then silence once the main venue has the floor.
      expect(await floorAudio.meanVolume(0.5, 1)).toBeGreaterThan(-35);
      expect(await floorAudio.meanVolume(-1.2, 1)).toBeLessThan(-70);
      // The main venue is heard throughout, also while Yanji speaks.
      expect(await mainAudio.meanVolume(0.5, 1)).toBeGreaterThan(-35);
      expect(await mainAudio.meanVolume(-1.2, 1)).toBeGreaterThan(-35);
    } finally {
      await Promise.all([floorAudio.remove(), mainAudio.remove()]);
    }
  });

  it('falls back to the main venue by itself when the venue on air drops, and cuts back when it publishes again', async () => {
    await switcher.setOnAir('sv-2');
    await until(() => switcher.videoOnAir === 'sv-2', 20_000, 'sv-2 on air');
    const recorder = await RtpRecorder.start(router, switcher.videoProducer);
    try {
      await sleep(800);
      await venues.get('sv-2')?.close(); // its transports close, and so its producers
      await until(() => switcher.videoOnAir === 'main', 20_000, 'the fallback to main');
      await sleep(800);
      expect(switcher.floorHolder).toBe('sv-2'); // the floor is still Yanji's
      // Yanji's camera is back (a restarted sender, a republishing browser): the program cuts back.
      await addVenue('sv-2');
      await until(() => switcher.videoOnAir === 'sv-2', 20_000, 'sv-2 back on air');
      await sleep(800);
      const recording = await recorder.finish();
      expect(recording.decodeErrors).toBe('');
      expect(runs(recording.colours.map(venueOf))).toEqual(['sv-2', 'main', 'sv-2']);
    } finally {
      await recorder.remove();
    }
  });
});

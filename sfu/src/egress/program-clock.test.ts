import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { types } from 'mediasoup';
import { routerMediaCodecs } from '../codecs';
import type { HlsRendition, Segment } from '../hls/rendition';
import { InterpretationFeeds } from '../program/interpretation';
import { ProgramSwitcher } from '../program/switcher';
import { SimulatedVenue } from '../simulated/venue';
import { SimulatedVoice } from '../simulated/voice';
import { testLogger } from '../test/logger';
import { level, samples } from '../test/tones';
import { nextCut, until } from '../test/waits';
import { WorkerPool } from '../workers/pool';
import { Broadcast } from './broadcast';
import { parseLadder } from './ladder';

/** Each source has a tone of its own, so the test can tell who is heard. */
const MAIN_HZ = 440;
const SIPING_HZ = 523;
const INTERPRETER_HZ = 660;

/**
 * A floor change to a venue whose camera has another frame size than the one on air (a
 * browser's 640x480 webcam after the main venue's 16:9 picture) is where the English
 * channel used to stop for good: the encoder rebuilt its one filter graph, audio included.
 */
describe('one program clock: every rendition goes on through floor changes between cameras of different sizes', () => {
  let pool: WorkerPool;
  let router: types.Router;
  let switcher: ProgramSwitcher;
  let feeds: InterpretationFeeds;
  let broadcast: Broadcast;
  let dir: string;
  const senders: { close(): Promise<void> }[] = [];
  const outOfStep: string[] = [];

  const rendition = (name: string) => broadcast.renditions.find((r) => r.name === name)?.hls as HlsRendition;
  const complete = (name: string, after = 0) => rendition(name).window.filter((s) => s.complete && !s.gap && s.programDateTime > after);

  async function tone(name: string, segment: Segment, hz: number): Promise<number> {
    const file = join(dir, `${name}-${segment.msn}.mp4`);
    await writeFile(file, Buffer.concat([rendition(name).initFor(segment.initVersion) as Buffer, segment.bytes as Buffer]));
    return level(await samples(file), hz);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plenary-program-clock-test-'));
    pool = await WorkerPool.create({ numWorkers: 1, listenIp: '127.0.0.1', rtcBasePort: 0, logger: testLogger });
    router = await pool.pick().worker.createRouter({ mediaCodecs: routerMediaCodecs });
    switcher = await ProgramSwitcher.create(router, { fallbackVenueId: 'main', logger: testLogger });
    const main = await SimulatedVenue.start({ router, name: 'main', colour: { r: 200, g: 200, b: 40 }, toneHz: MAIN_HZ, logger: testLogger });
    const siping = await SimulatedVenue.start({ router, name: 'Siping', colour: { r: 200, g: 40, b: 40 }, width: 640, height: 480, toneHz: SIPING_HZ, logger: testLogger });
    senders.push(main, siping);
    for (const producer of main.producers) await switcher.addSource('main', producer);
    for (const producer of siping.producers) await switcher.addSource('siping', producer);
    await switcher.setOnAir('main');
    feeds = await InterpretationFeeds.create(router, testLogger);
    await feeds.setChannels([{ id: 'in-en', language: 'en', name: 'English' }]);
    const interpreter = await SimulatedVoice.start({ router, toneHz: INTERPRETER_HZ, logger: testLogger });
    senders.push(interpreter);
    await feeds.setInterpreter('in-en', interpreter.producer);
    broadcast = await Broadcast.start(router, switcher, { rungs: parseLadder('360p'), partSeconds: 0.5, segmentSeconds: 2, windowSegments: 15, logger: testLogger, onOutOfStep: (name) => outOfStep.push(name) }, feeds);
    await until(() => complete('in-en').length >= 2 && complete('audio').length >= 2, 40_000, 'the first segments of every rendition');
  });

  afterAll(async () => {
    await broadcast?.close();
    feeds?.close();
    switcher?.close();
    for (const sender of senders) await sender.close();
    await pool?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['Siping (4:3)', 'siping'],
    ['the main venue (16:9)', 'main'],
    ['Siping again', 'siping'],
  ])('gives the floor to %s: the audio and the English channel keep making segments in step with the picture, the speaker heard', async (_, venueId) => {
    const cut = nextCut(switcher, venueId);
    await switcher.setOnAir(venueId);
    const { cutAt } = await cut;
    // Two whole segments after the cut in the picture, then the same numbers in every audio rendition.
    await until(() => complete('360p', cutAt).length >= 2, 30_000, 'two segments of the picture after the cut');
    const wanted = complete('360p', cutAt).slice(0, 2).map((s) => s.msn);
    let missing: string[] = [];
    await until(() => {
      missing = ['audio', 'in-en'].flatMap((name) => wanted.filter((msn) => !complete(name).some((s) => s.msn === msn)).map((msn) => `${name}#${msn}`));
      return missing.length === 0;
    }, 20_000, 'the same segments in the audio renditions').catch((error: Error) => {
      throw new Error(`${error.message}: missing ${missing.join(' ')}; newest ${['360p', 'audio', 'in-en'].map((n) => `${n}#${rendition(n).window.at(-1)?.msn}`).join(' ')}`);
    });
    for (const msn of wanted) {
      const video = rendition('360p').segmentAt(msn) as Segment;
      for (const name of ['audio', 'in-en']) {
        const audio = rendition(name).segmentAt(msn) as Segment;
        // In step: the same start on the clock, parts ending where the picture's do (within half a
        // part; a channel whose timestamps went back would be seconds off or absent).
        expect(audio.programDateTime).toBe(video.programDateTime);
        expect(audio.parts.length).toBe(video.parts.length);
        const videoEnd = (video.parts.at(-1)?.startTime ?? 0) + (video.parts.at(-1)?.duration ?? 0);
        const audioEnd = (audio.parts.at(-1)?.startTime ?? 0) + (audio.parts.at(-1)?.duration ?? 0);
        expect(Math.abs(audioEnd - videoEnd)).toBeLessThan(0.25);
      }
    }
    // Who is heard: Siping's tone while it holds the floor, never while the main venue does
    // (the main venue is heard throughout).
    const segment = rendition('audio').segmentAt(wanted[1] as number) as Segment;
    const siping = await tone('audio', segment, SIPING_HZ);
    const main = await tone('audio', segment, MAIN_HZ);
    expect(main).toBeGreaterThan(0.02);
    if (venueId === 'siping') expect(siping).toBeGreaterThan(0.02);
    else expect(siping).toBeLessThan(main / 20);
    // The English channel carries the interpreter over the ducked original, now as before.
    const english = rendition('in-en').segmentAt(wanted[1] as number) as Segment;
    expect(await tone('in-en', english, INTERPRETER_HZ)).toBeGreaterThan(0.02);
  });

  it('brings back a rendition that stops while the picture goes on, and counts it', async () => {
    expect(outOfStep).toEqual([]);
    // The English channel's input stalls at the encoder (its feed paused at the SFU): that
    // rendition stops making parts while the picture goes on.
    const feed = feeds.producerOf('in-en') as types.Producer;
    const encoder = broadcast.encoderPid;
    await feed.pause();
    await until(() => outOfStep.includes('in-en'), 20_000, 'the English channel named out of step');
    await until(() => broadcast.encoderPid !== undefined && broadcast.encoderPid !== encoder, 10_000, 'the encoder started again');
    await feed.resume();
    // Back: new segments of the channel in step with the picture's, after a discontinuity.
    const back = Date.now();
    await until(() => complete('in-en', back).length >= 1, 20_000, 'the English channel making segments again');
    const segment = complete('in-en', back)[0] as Segment;
    expect(rendition('360p').segmentAt(segment.msn)?.programDateTime).toBe(segment.programDateTime);
  });
});

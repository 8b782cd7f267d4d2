import type { HlsRendition } from '../hls/rendition';
import { OUT_OF_STEP_SECONDS, SILENT_MS, StepWatch } from './step-watch';

/** A rendition as the watch sees it: a name, the parts it published, its media that found no place. */
const rendition = (name: string) => ({ name, published: 0, unplacedSeconds: 0 });
type Counts = ReturnType<typeof rendition>;

describe('the step watch: renditions that stop making parts while the picture goes on', () => {
  let now = 0;
  let video: Counts;
  let audio: Counts;
  let english: Counts;
  const named: string[][] = [];
  let watch: StepWatch;

  /**
   * Time passes in 250 ms looks; the picture makes a part each look; `parts` do too (their media
   * placed); `astray` get a quarter second of media each look that finds no place.
   */
  const run = (ms: number, parts: Counts[], astray: Counts[] = []) => {
    for (let t = 0; t < ms; t += 250) {
      now += 250;
      for (const r of [video, ...parts]) {
        r.published++;
        r.unplacedSeconds = 0;
      }
      for (const r of astray) r.unplacedSeconds += 0.25;
      watch.check();
    }
  };

  beforeEach(() => {
    [video, audio, english] = [rendition('360p'), rendition('audio'), rendition('in-en')];
    named.length = 0;
    watch = new StepWatch(() => [video, audio, english] as unknown as HlsRendition[], (names) => named.push(names), () => now);
  });
  afterEach(() => watch.close());

  it('says nothing while every rendition keeps making parts', () => {
    run(30_000, [audio, english]);
    expect(named).toEqual([]);
  });

  it('names a rendition whose media keeps coming but never fits the picture\'s parts, once more than a segment and a part of it found no place', () => {
    run(5000, [audio, english]);
    run(OUT_OF_STEP_SECONDS * 1000, [audio], [english]);
    expect(named).toEqual([]);
    run(500, [audio], [english]);
    expect(named[0]).toEqual(['in-en']);
  });

  it('says nothing of a rendition a loaded machine holds back: no part for seconds, then its media comes late and fits', () => {
    run(5000, [audio, english]);
    // Six seconds without a part of the English channel, a few fragments waiting the while.
    english.unplacedSeconds = 0.2;
    run(6000, [audio]);
    run(5000, [audio, english]);
    expect(named).toEqual([]);
  });

  it('names a rendition that has made no part for long (its input stalled), however little media it got', () => {
    run(5000, [audio, english]);
    run(SILENT_MS - 250, [audio]);
    expect(named).toEqual([]);
    run(500, [audio]);
    expect(named[0]).toEqual(['in-en']);
  });

  it('says nothing while the picture stops too (the encoder is away)', () => {
    run(5000, [audio, english]);
    now += 20_000;
    watch.check();
    expect(named).toEqual([]);
  });

  it('gives a started encoder\'s followers time to begin on the picture\'s next segment', () => {
    watch.restarted();
    // Its media before the picture's next segment is let go meanwhile (a segment and a part at most).
    english.unplacedSeconds = 2.3;
    run(SILENT_MS - 250, [audio]);
    expect(named).toEqual([]);
    run(500, [audio]);
    expect(named.at(-1)).toEqual(['in-en']);
  });

  it('lets a follower wait for the picture\'s next segment after a hole in its audio, fragments coming', () => {
    run(5000, [audio, english]);
    run(2500, [audio], [english]);
    run(5000, [audio, english]);
    expect(named).toEqual([]);
  });
});

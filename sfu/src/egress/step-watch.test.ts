import type { HlsRendition } from '../hls/rendition';
import { OUT_OF_STEP_MS, SILENT_MS, StepWatch } from './step-watch';

/** A rendition as the watch sees it: a name, the parts it published and the fragments it got. */
const rendition = (name: string) => ({ name, published: 0, fragmentsReceived: 0 });
type Counts = ReturnType<typeof rendition>;

describe('the step watch: renditions that stop making parts while the picture goes on', () => {
  let now = 0;
  let video: Counts;
  let audio: Counts;
  let english: Counts;
  const named: string[][] = [];
  let watch: StepWatch;

  /** Time passes in 250 ms looks; the picture makes a part each look; `parts` do too; `fragments` only get fragments. */
  const run = (ms: number, parts: Counts[], fragments: Counts[] = []) => {
    for (let t = 0; t < ms; t += 250) {
      now += 250;
      for (const r of [video, ...parts]) {
        r.published++;
        r.fragmentsReceived += 6;
      }
      for (const r of fragments) r.fragmentsReceived += 6;
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

  it('names a rendition whose fragments keep coming but never fit the picture\'s parts, after a segment and a half', () => {
    run(5000, [audio, english]);
    run(OUT_OF_STEP_MS - 250, [audio], [english]);
    expect(named).toEqual([]);
    run(500, [audio], [english]);
    expect(named[0]).toEqual(['in-en']);
  });

  it('waits longer for a rendition the encoder holds back (an overloaded machine catches up), then names it', () => {
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
    run(5500, [audio], [english]);
    expect(named).toEqual([]);
    run(1000, [audio], [english]);
    expect(named.at(-1)).toEqual(['in-en']);
  });

  it('lets a follower wait for the picture\'s next segment after a hole in its audio, fragments coming', () => {
    run(5000, [audio, english]);
    run(2500, [audio], [english]);
    run(5000, [audio, english]);
    expect(named).toEqual([]);
  });
});

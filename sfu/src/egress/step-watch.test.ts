import type { HlsRendition } from '../hls/rendition';
import { OUT_OF_STEP_MS, StepWatch } from './step-watch';

/** A rendition as the watch sees it: a name and how many parts it published. */
const rendition = (name: string) => ({ name, published: 0 }) as { name: string; published: number };

describe('the step watch: renditions that stop making parts while the picture goes on', () => {
  let now = 0;
  const video = rendition('360p');
  const audio = rendition('audio');
  const english = rendition('in-en');
  const named: string[][] = [];
  let watch: StepWatch;

  /** Time passes in 250 ms looks; the picture makes a part each look, `also` too. */
  const run = (ms: number, also: { published: number }[]) => {
    for (let t = 0; t < ms; t += 250) {
      now += 250;
      video.published++;
      for (const r of also) r.published++;
      watch.check();
    }
  };

  beforeEach(() => {
    named.length = 0;
    watch = new StepWatch(() => [video, audio, english] as unknown as HlsRendition[], (names) => named.push(names), () => now);
  });
  afterEach(() => watch.close());

  it('says nothing while every rendition keeps making parts', () => {
    run(20_000, [audio, english]);
    expect(named).toEqual([]);
  });

  it('names a rendition that stopped once the picture made parts for longer than the bound without it', () => {
    run(5000, [audio, english]);
    run(OUT_OF_STEP_MS - 250, [audio]);
    expect(named).toEqual([]);
    run(500, [audio]);
    expect(named[0]).toEqual(['in-en']);
  });

  it('says nothing while the picture stops too (the encoder is away)', () => {
    run(5000, [audio, english]);
    now += 10_000;
    watch.check();
    expect(named).toEqual([]);
  });

  it('gives a started encoder\'s followers time to begin on the picture\'s next segment, then judges one that never began', () => {
    watch.restarted();
    run(4000, [audio]);
    expect(named).toEqual([]);
    run(2500, [audio]);
    expect(named.at(-1)).toEqual(['in-en']);
  });
});

import { PartAligner, type Placement } from './aligner';
import type { Part } from './rendition';

const FRAGMENT = 2048 / 48000; // two AAC frames
const part = (startTime: number, duration: number): Part => ({ bytes: Buffer.from([1]), startTime, duration, independent: true });

/** Feeds the leader's 0.5 s parts (four per segment) and audio fragments up to `seconds`, audio first from `audioFrom`. */
function run(seconds: number, audioFrom = 0) {
  const placed: { placement: Placement; part: Part }[] = [];
  const aligner = new PartAligner((p, placement) => placed.push({ placement, part: p }), FRAGMENT / 2);
  let audioAt = audioFrom;
  for (let index = 0; index * 0.5 < seconds; index++) {
    // The audio comes ahead of the picture (it encodes faster).
    while (audioAt < (index + 1) * 0.5 + 0.2) {
      aligner.fragment(part(audioAt, FRAGMENT));
      audioAt += FRAGMENT;
    }
    aligner.leaderPart({ msn: 100 + Math.floor(index / 4), index: index % 4, programDateTime: 1e12 + Math.floor(index / 4) * 2000 }, part(index * 0.5, 0.5));
  }
  return placed;
}

describe('audio parts where the picture\'s are', () => {
  it('ends every part within a fragment of the leader\'s part, with its numbers', () => {
    const placed = run(10);
    expect(placed).toHaveLength(20);
    placed.forEach(({ placement, part: p }, i) => {
      expect(placement).toMatchObject({ msn: 100 + Math.floor(i / 4), index: i % 4 });
      expect(Math.abs(p.startTime + p.duration - (i + 1) * 0.5)).toBeLessThanOrEqual(FRAGMENT / 2);
      // Every part but a segment's last at least 85 % of the part target.
      expect(p.duration).toBeGreaterThanOrEqual(0.425);
    });
  });

  it('starts a late follower on the leader\'s next segment, not in the middle of one', () => {
    const placed = run(6, 0.7);
    expect(placed[0]?.placement).toMatchObject({ msn: 101, index: 0 });
    expect(placed[0]?.part.startTime).toBeCloseTo(2, 1);
  });

  it('after a gap in the audio, leaves the rest of that segment out and starts again in step', () => {
    const placed: Placement[] = [];
    const aligner = new PartAligner((_, placement) => placed.push(placement), FRAGMENT / 2);
    const audio = (from: number, to: number) => {
      for (let t = from; t < to - 1e-9; t += FRAGMENT) aligner.fragment(part(t, FRAGMENT));
    };
    audio(0, 0.5);
    aligner.leaderPart({ msn: 1, index: 0, programDateTime: 0 }, part(0, 0.5));
    // Nothing for the second part (0.5-1.0 s): the audio resumes at 1.0 s.
    audio(1.0, 4.2);
    for (let index = 1; index < 8; index++) aligner.leaderPart({ msn: 1 + Math.floor(index / 4), index: index % 4, programDateTime: 0 }, part(index * 0.5, 0.5));
    expect(placed.map((p) => `${p.msn}/${p.index}`)).toEqual(['1/0', '2/0', '2/1', '2/2', '2/3']);
  });

  it('waits for audio that has not come yet, then places it', () => {
    const placed: Placement[] = [];
    const aligner = new PartAligner((_, placement) => placed.push(placement), FRAGMENT / 2);
    aligner.leaderPart({ msn: 7, index: 0, programDateTime: 0 }, part(0, 0.5));
    expect(placed).toHaveLength(0);
    for (let t = 0; t < 0.6; t += FRAGMENT) aligner.fragment(part(t, FRAGMENT));
    expect(placed).toEqual([{ msn: 7, index: 0, programDateTime: 0 }]);
  });
});

describe('the follower\'s media that finds no place (what the step watch judges)', () => {
  const leaderPart = (aligner: PartAligner, index: number) =>
    aligner.leaderPart({ msn: 100 + Math.floor(index / 4), index: index % 4, programDateTime: 1e12 + Math.floor(index / 4) * 2000 }, part(index * 0.5, 0.5));

  it('grows with every fragment of a timeline gone back beyond the picture\'s', () => {
    const aligner = new PartAligner(() => undefined, FRAGMENT / 2);
    let audioAt = 0;
    for (let index = 0; index < 20; index++) {
      leaderPart(aligner, index);
      // Timestamps 12 s behind the picture's, past what the aligner keeps of it.
      for (; audioAt < (index + 1) * 0.5; audioAt += FRAGMENT) aligner.fragment(part(audioAt - 12, FRAGMENT));
    }
    expect(aligner.unplacedSeconds).toBeGreaterThan(9);
  });

  it('stays small for media that comes seconds late, in bursts, and fits', () => {
    const placed: Part[] = [];
    const aligner = new PartAligner((p) => placed.push(p), FRAGMENT / 2);
    let audioAt = 0;
    let most = 0;
    for (let index = 0; index < 40; index++) {
      leaderPart(aligner, index);
      // Nothing of the audio for 3 s at a time, then all of it at once.
      if (index % 6 === 5) for (; audioAt < (index - 5) * 0.5 + 3; audioAt += FRAGMENT) aligner.fragment(part(audioAt, FRAGMENT));
      most = Math.max(most, aligner.unplacedSeconds);
    }
    expect(placed.length).toBeGreaterThan(25);
    expect(most).toBeLessThan(0.5);
  });
});

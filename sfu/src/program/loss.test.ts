import { RETRANSMISSION_WAIT_MS, SourceSequence } from './loss';

/** A video source's numbers whose keyframe requests are counted, fed packets at chosen times. */
function repair() {
  const asked: number[] = [];
  let now = 0;
  const watch = new SourceSequence(() => asked.push(now));
  const packet = (sequence: number, at: number) => {
    now = at;
    return watch.advance(sequence & 0xffff, at);
  };
  return { watch, asked, packet };
}

describe('repairing a loss on the way from the venue on air', () => {
  it('asks for a keyframe once a lost packet has not come back by the time the encoder stops waiting for it', () => {
    const { asked, packet } = repair();
    packet(100, 0);
    packet(102, 10); // 101 lost
    packet(103, RETRANSMISSION_WAIT_MS);
    expect(asked).toEqual([]);
    packet(104, RETRANSMISSION_WAIT_MS + 11);
    expect(asked).toEqual([RETRANSMISSION_WAIT_MS + 11]);
  });

  it('asks nothing when the venue resends the lost packet in time, and says how far ahead each packet is', () => {
    const { asked, packet } = repair();
    packet(100, 0);
    expect(packet(102, 10)).toBe(2); // 101 lost
    expect(packet(101, 250)).toBe(-1); // the retransmission, a round trip later
    for (let i = 0; i < 20; i++) packet(103 + i, 260 + i * 40);
    expect(asked).toEqual([]);
  });

  it('asks again while a link keeps losing, never more than twice a second', () => {
    const { asked, packet } = repair();
    // A packet in ten lost for six seconds, a packet every 20 ms.
    let sequence = 0;
    for (let at = 0; at < 6000; at += 20) {
      sequence++;
      if (sequence % 10 === 0) continue;
      packet(sequence, at);
    }
    // The next gap after a request is at most 200 ms away, and asked for once it is overdue.
    const longest = 200 + RETRANSMISSION_WAIT_MS + 20;
    expect(asked.length).toBeGreaterThanOrEqual(Math.floor(6000 / longest) - 1);
    asked.forEach((at, i) => i > 0 && expect(at - (asked[i - 1] as number)).toBeGreaterThanOrEqual(500));
    asked.forEach((at, i) => i > 0 && expect(at - (asked[i - 1] as number)).toBeLessThanOrEqual(longest));
  });

  it('takes the numbers\' wrap from 65535 to 0 as the next packet, not a gap', () => {
    const { asked, packet } = repair();
    packet(65534, 0);
    packet(65535, 20);
    expect(packet(0, 40)).toBe(1);
    packet(1, 2000);
    expect(asked).toEqual([]);
  });

  it('asks at once when the numbers jump far (the venue\'s stream restarted), and forgets the old numbers at a cut', () => {
    const { watch, asked, packet } = repair();
    packet(100, 0);
    packet(5000, 20);
    expect(asked).toEqual([20]);
    packet(5002, 600); // 5001 lost...
    watch.reset(); // ...but another venue goes on air
    packet(30_000, 700);
    packet(30_001, 2000);
    expect(asked).toEqual([20]);
  });

  it('only counts for audio (no keyframes): a gap is for the track to fill', () => {
    const audio = new SourceSequence();
    expect(audio.advance(10, 0)).toBe(1);
    expect(audio.advance(13, 20)).toBe(3);
    expect(audio.advance(11, 5000)).toBe(-2);
    expect(audio.requests).toBe(0);
  });
});

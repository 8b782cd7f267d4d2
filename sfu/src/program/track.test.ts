import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { marker, parseVp8, readPictureId, sequenceNumber, ssrc, timestamp } from '../rtp/packet';
import { testLogger } from '../test/logger';
import { ProgramTrack, type Cut } from './track';
import { OpusNumbering, Vp8Numbering } from './codecs';
import { RETRANSMISSION_WAIT_MS } from './loss';

/** A VP8 RTP packet with a 15-bit picture ID and TL0PICIDX, as browsers and GStreamer send. */
function vp8Packet(o: { seq: number; ts: number; ssrc: number; pictureId: number; tl0: number; start: boolean; key: boolean; marker: boolean }): Buffer {
  const packet = Buffer.alloc(12 + 5 + 10);
  packet[0] = 0x80;
  packet[1] = (o.marker ? 0x80 : 0) | 96;
  packet.writeUInt16BE(o.seq & 0xffff, 2);
  packet.writeUInt32BE(o.ts >>> 0, 4);
  packet.writeUInt32BE(o.ssrc, 8);
  packet[12] = 0x80 | (o.start ? 0x10 : 0); // X, S, PID 0
  packet[13] = 0xc0; // I and L present
  packet.writeUInt16BE(0x8000 | (o.pictureId & 0x7fff), 14);
  packet[16] = o.tl0 & 0xff;
  packet[17] = o.start && o.key ? 0x00 : 0x01; // VP8 payload header: P bit 0 on keyframes
  return packet;
}

/** A stand-in for a mediasoup consumer: it emits the packets the test feeds it. */
class FakeConsumer extends EventEmitter {
  paused = true;
  keyFramesAsked = 0;
  async resume() { this.paused = false; }
  async pause() { this.paused = true; }
  async requestKeyFrame() { this.keyFramesAsked++; }
  close() { this.removeAllListeners(); }
}

/** A venue sending 2-packet frames; frame n of a source has timestamp base + 3000 n. */
class FakeSource {
  seq = 1000;
  frame = 0;
  constructor(readonly consumer: FakeConsumer, readonly ssrc: number, readonly tsBase: number, readonly picBase: number) {}
  frameStarts(key: boolean) {
    const f = this.frame++;
    const common = { ts: this.tsBase + f * 3000, ssrc: this.ssrc, pictureId: this.picBase + f, tl0: 7 + f };
    this.consumer.emit('rtp', vp8Packet({ ...common, seq: this.seq++, start: true, key, marker: false }));
    return () => this.consumer.emit('rtp', vp8Packet({ ...common, seq: this.seq++, start: false, key, marker: true }));
  }
  frameWhole(key: boolean) {
    this.frameStarts(key)();
  }
  /** A frame whose last packet is lost on the venue's link; the returned function resends it (a retransmission). */
  frameLosingItsEnd(): () => void {
    const f = this.frame++;
    const common = { ts: this.tsBase + f * 3000, ssrc: this.ssrc, pictureId: this.picBase + f, tl0: 7 + f, key: false };
    this.consumer.emit('rtp', vp8Packet({ ...common, seq: this.seq++, start: true, marker: false }));
    const lost = vp8Packet({ ...common, seq: this.seq++, start: false, marker: true });
    return () => this.consumer.emit('rtp', lost);
  }
}

describe('a program track (video)', () => {
  const sent: Buffer[] = [];
  const cuts: Cut[] = [];
  let track: ProgramTrack;
  let a: FakeSource;
  let b: FakeSource;

  beforeEach(() => {
    sent.length = 0;
    cuts.length = 0;
    const producer = { send: (packet: Buffer) => sent.push(Buffer.from(packet)) } as unknown as types.Producer;
    track = new ProgramTrack({ codec: new Vp8Numbering(), producer, ssrc: 0xabcdef, payloadType: 101, clockRate: 90000, frameTicks: 3000, onCut: (cut) => cuts.push(cut), logger: testLogger });
    a = new FakeSource(new FakeConsumer(), 1111, 500_000, 100);
    b = new FakeSource(new FakeConsumer(), 2222, 9_000_000, 30_000);
    void track.addSource('a', a.consumer as unknown as types.Consumer);
    void track.addSource('b', b.consumer as unknown as types.Consumer);
  });

  it('starts a source only on its keyframe, and asks for one', async () => {
    await track.switchTo('a');
    expect(a.consumer.paused).toBe(false);
    expect(a.consumer.keyFramesAsked).toBe(1);
    a.frameWhole(false);
    expect(sent).toHaveLength(0);
    a.frameWhole(true);
    expect(sent).toHaveLength(2);
    expect(parseVp8(sent[0]!)?.keyframeStart).toBe(true);
    expect(cuts.map((c) => c.venueId)).toEqual(['a']);
  });

  it('cuts to the new source on its keyframe, after the old source finished its frame, as one continuous stream', async () => {
    await track.switchTo('a');
    a.frameWhole(true);
    a.frameWhole(false);
    await track.switchTo('b');
    b.frameWhole(false); // not a keyframe: dropped
    const finishA = a.frameStarts(false); // A is mid-frame...
    const finishB = b.frameStarts(true); // ...when B's keyframe starts: B waits
    expect(cuts).toHaveLength(1);
    finishA(); // A's frame ends: the cut happens
    finishB();
    b.frameWhole(false);
    expect(cuts.map((c) => c.venueId)).toEqual(['a', 'b']);
    expect(b.consumer.paused).toBe(false);
    expect(a.consumer.paused).toBe(true);

    expect(sent.every((p) => ssrc(p) === 0xabcdef)).toBe(true);
    const seqs = sent.map(sequenceNumber);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0]! + i) & 0xffff));
    const ts = sent.map(timestamp);
    expect(ts.every((t, i) => i === 0 || t >= ts[i - 1]!)).toBe(true);
    // The cut lands at least one frame after A's last frame, never on top of it.
    const firstOfB = sent.findIndex((p, i) => i > 0 && parseVp8(p)?.keyframeStart);
    expect(ts[firstOfB]! - ts[firstOfB - 1]!).toBeGreaterThanOrEqual(3000);
    expect(marker(sent[firstOfB - 1]!)).toBe(true);
    const pictureIds = sent.filter((p) => parseVp8(p)?.frameStart).map((p) => readPictureId(p, parseVp8(p)!.pictureId!));
    expect(pictureIds).toEqual(pictureIds.map((_, i) => pictureIds[0]! + i));
  });

  it('asks the venue on air for a keyframe when a packet lost on its link does not come back before the encoder stops waiting', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      await track.switchTo('a');
      a.frameWhole(true);
      const resend = a.frameLosingItsEnd();
      a.frameWhole(false);
      jest.advanceTimersByTime(RETRANSMISSION_WAIT_MS - 100);
      resend(); // back a round trip or two later: the encoder had waited for it
      a.frameWhole(false);
      expect(a.consumer.keyFramesAsked).toBe(1); // only the one the cut asked for
      expect(track.repairs).toBe(0);

      a.frameLosingItsEnd(); // never comes back
      a.frameWhole(false);
      jest.advanceTimersByTime(RETRANSMISSION_WAIT_MS + 50);
      a.frameWhole(false);
      expect(a.consumer.keyFramesAsked).toBe(2);
      expect(track.repairs).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('forwards a retransmitted packet in its place and continues the next source after the newest packet, not after it', async () => {
    await track.switchTo('a');
    a.frameWhole(true);
    const resend = a.frameLosingItsEnd();
    a.frameWhole(false);
    resend();
    const late = sent[sent.length - 1]!;
    expect(sequenceNumber(late)).toBe((sequenceNumber(sent[0]!) + 3) & 0xffff); // its own place in the stream
    const newest = sent[sent.length - 2]!;
    await track.switchTo('b');
    b.frameWhole(true);
    const firstOfB = sent[sent.length - 2]!;
    expect(sequenceNumber(firstOfB)).toBe((sequenceNumber(newest) + 1) & 0xffff);
    expect(timestamp(firstOfB) - timestamp(newest)).toBeGreaterThanOrEqual(3000);
  });

  it('keeps the old source on air until the new keyframe comes', async () => {
    await track.switchTo('a');
    a.frameWhole(true);
    await track.switchTo('b');
    a.frameWhole(false);
    a.frameWhole(false);
    expect(track.current).toBe('a');
    expect(sent).toHaveLength(6);
    b.frameWhole(true);
    expect(track.current).toBe('b');
  });
});

/** An Opus RTP packet from a venue's microphone. */
function opusPacket(seq: number, ts: number): Buffer {
  const packet = Buffer.alloc(12 + 40, 0x55);
  packet[0] = 0x80;
  packet[1] = 100;
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE(ts >>> 0, 4);
  packet.writeUInt32BE(3333, 8);
  return packet;
}

describe('a program track (audio, with silence fill)', () => {
  const sent: Buffer[] = [];
  let track: ProgramTrack;
  let mic: FakeConsumer;
  let firstSentAt: number | undefined;
  const isSilence = (p: Buffer) => p.length === 15 && p.subarray(12).equals(Buffer.from([0xf8, 0xff, 0xfe]));

  beforeEach(() => {
    jest.useFakeTimers();
    sent.length = 0;
    firstSentAt = undefined;
    const producer = {
      send: (packet: Buffer) => {
        firstSentAt ??= Date.now();
        sent.push(Buffer.from(packet));
      },
    } as unknown as types.Producer;
    track = new ProgramTrack({ codec: new OpusNumbering(), producer, ssrc: 0x1234, payloadType: 100, clockRate: 48000, frameTicks: 960, onCut: () => undefined, silenceFill: true, logger: testLogger });
    mic = new FakeConsumer();
    void track.addSource('sv-1', mic as unknown as types.Consumer);
  });

  afterEach(() => {
    track.close();
    jest.useRealTimers();
  });

  /** One packet per 20 ms frame, no gap: the encoder decodes one frame per packet and fills no gap. */
  const expectContinuous = (packets: Buffer[]) => {
    const seqs = packets.map(sequenceNumber);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0]! + i) & 0xffff));
    const steps = packets.map(timestamp).slice(1).map((t, i) => t - timestamp(packets[i]!));
    expect(steps.filter((step) => step !== 960)).toEqual([]);
  };
  /** How far (ms) the output's media time is ahead of the wall time since its first packet (negative: behind). */
  const ahead = () => (timestamp(sent.at(-1)!) - timestamp(sent[0]!)) / 48 - (Date.now() - (firstSentAt ?? NaN));

  it('sends 20 ms of silence every 20 ms while nobody is on air', () => {
    jest.advanceTimersByTime(200);
    expect(sent.length).toBeGreaterThanOrEqual(9);
    expect(sent.every(isSilence)).toBe(true);
    expectContinuous(sent);
  });

  it('continues the same stream from silence into a speaker and back into silence when the speaker stops', async () => {
    jest.advanceTimersByTime(100);
    await track.switchTo('sv-1');
    for (let i = 0; i < 10; i++) {
      mic.emit('rtp', opusPacket(500 + i, 77_000 + 960 * i));
      jest.advanceTimersByTime(20);
    }
    jest.advanceTimersByTime(200); // the microphone goes quiet
    const spoken = sent.filter((p) => !isSilence(p));
    expect(spoken).toHaveLength(10);
    expect(sent.slice(-3).every(isSilence)).toBe(true);
    expectContinuous(sent);
    expect(sent.every((p) => ssrc(p) === 0x1234)).toBe(true);
  });

  it('falls silent when the floor returns to the main venue', async () => {
    await track.switchTo('sv-1');
    mic.emit('rtp', opusPacket(1, 960));
    await track.silence();
    expect(mic.paused).toBe(true);
    jest.advanceTimersByTime(100);
    mic.emit('rtp', opusPacket(2, 1920)); // late packet from the paused source: not forwarded
    expect(sent.filter((p) => !isSilence(p))).toHaveLength(1);
    expectContinuous(sent);
  });

  it('fills a frame lost on the venue\'s link with silence in its place, so the encoder waits for nothing and its input never falls behind', async () => {
    await track.switchTo('sv-1');
    const speak = (i: number) => mic.emit('rtp', opusPacket(500 + i, 77_000 + 960 * i));
    for (let i = 0; i < 30; i++) {
      // Frames 7, 15 and 16 are lost (browsers never resend audio); frame 7 turns up late, once.
      if (i !== 7 && i !== 15 && i !== 16) speak(i);
      if (i === 9) speak(7);
      jest.advanceTimersByTime(20);
    }
    const spoken = sent.filter((p) => !isSilence(p));
    expect(spoken).toHaveLength(27); // the late frame 7 is not sent after its place was filled
    expectContinuous(sent);
    expect(Math.abs(ahead())).toBeLessThanOrEqual(40);
  });

  it('sends a frame for every 20 ms of wall time when its timer runs late (a loaded machine), so the encoder\'s input never falls behind', () => {
    for (let i = 0; i < 50; i++) {
      jest.setSystemTime(Date.now() + 45); // the event loop was busy: the 20 ms timer fires 65 ms apart
      jest.advanceTimersByTime(20);
    }
    expectContinuous(sent);
    expect(Math.abs(ahead())).toBeLessThanOrEqual(40);
  });

  it('hears the new source when a venue replaces the one on air (an interpreter\'s browser taking over from the simulated voice)', async () => {
    await track.switchTo('sv-1');
    mic.emit('rtp', opusPacket(1, 960));
    const browser = new FakeConsumer();
    await track.addSource('sv-1', browser as unknown as types.Consumer);
    expect(browser.paused).toBe(false);
    jest.advanceTimersByTime(20);
    browser.emit('rtp', opusPacket(7000, 3_000_000));
    mic.emit('rtp', opusPacket(2, 1920)); // the replaced consumer's last packet: not forwarded
    expect(sent.filter((p) => !isSilence(p))).toHaveLength(2);
    expectContinuous(sent);
  });

  it('drops what would run ahead of the clock: a source\'s packets arriving in a burst after a stall', async () => {
    await track.switchTo('sv-1');
    for (let i = 0; i < 5; i++) {
      mic.emit('rtp', opusPacket(100 + i, 960 * i));
      jest.advanceTimersByTime(20);
    }
    jest.setSystemTime(Date.now() + 180); // nothing came for 200 ms...
    jest.advanceTimersByTime(20); // ...silence filled it in...
    for (let i = 5; i < 15; i++) mic.emit('rtp', opusPacket(100 + i, 960 * i)); // ...then the queued 200 ms at once
    const spoken = sent.filter((p) => !isSilence(p)).length;
    expect(spoken).toBeGreaterThan(5);
    expect(spoken).toBeLessThan(15);
    expect(ahead()).toBeLessThanOrEqual(100 + 20);
    expectContinuous(sent);
  });

  it('keeps up with the wall clock behind a source whose clock runs slow (a frame every 21 ms)', async () => {
    await track.switchTo('sv-1');
    for (let i = 0; i < 250; i++) {
      mic.emit('rtp', opusPacket(100 + i, 960 * i));
      jest.advanceTimersByTime(21);
    }
    expect(ahead()).toBeGreaterThanOrEqual(-100 - 20);
    expect(sent.filter((p) => !isSilence(p))).toHaveLength(250);
    expectContinuous(sent);
  });
});

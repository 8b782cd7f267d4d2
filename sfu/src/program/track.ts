import { randomInt } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { isRtp, rewriteHeader, sequenceNumber, timestamp } from '../rtp/packet';
import type { TrackCodec } from './codecs';
import { SourceSequence } from './loss';

/** A floor change that reached the program: when it was asked for and when it was cut. */
export interface Cut {
  kind: types.MediaKind;
  venueId: string;
  requestedAt: number;
  cutAt: number;
}

interface Source {
  consumer: types.Consumer;
}

/** Where the output stream stands, so the next source continues it seamlessly. */
interface Output {
  sequenceNumber: number;
  timestamp: number;
  /** Wall time (ms) of the last packet sent. */
  sentAt: number;
}

/** How a source's numbers map onto the output since the last cut. */
interface Mapping {
  sequenceOffset: number;
  timestampOffset: number;
}

export interface TrackOptions {
  /** The codec's part (VP8 numbering, Opus silence), chosen once. */
  codec: TrackCodec;
  /** The program producer sends what this track outputs. */
  producer: types.Producer;
  ssrc: number;
  payloadType: number;
  clockRate: number;
  /** RTP ticks of one frame: cuts land on a whole number of frames after the last output. */
  frameTicks: number;
  onCut: (cut: Cut) => void;
  /**
   * Keep the stream continuous with the codec's silence whenever no source is on
   * air or the source goes quiet, so a mixer downstream (the broadcast encoder)
   * always has input (a codec without silence, video, cannot).
   */
  silenceFill?: boolean;
  logger: Logger;
}

/** How long a source may be quiet before silence fills in. */
const SILENCE_AFTER_MS = 60;
const AUDIO_FRAME_MS = 20;
/**
 * How far (ms) a silence-filled output may run ahead of or behind the wall clock before it is
 * brought back: a source's packets in a burst after a stall are dropped, a source whose clock
 * runs slow gets a frame of silence. More than a source's jitter, less than anyone hears.
 */
const MAX_DRIFT_MS = 100;
/** A longer stall (or the clock jumped) starts the output's clock again rather than filling it all. */
const MAX_FILL_FRAMES = 500;
/** Audio frames lost on a venue's link that are filled with silence in their place; a longer jump is a new start. */
const MAX_CONCEALED_FRAMES = 25;

/**
 * One kind (video or audio) of the program: forwards the packets of the source
 * on air, rewritten onto one continuous stream (SSRC, payload type, sequence
 * numbers, timestamps here; the codec's own numbering by its TrackCodec). A
 * video cut waits for the new source's keyframe and for the end of the old
 * source's frame, so downstream decoders never see a broken frame or a reset.
 */
export class ProgramTrack {
  private readonly sources = new Map<string, Source>();
  private onAir: string | undefined;
  private pending: { venueId: string; requestedAt: number; buffer: Buffer[] } | undefined;
  private output: Output | undefined;
  private mapping: Mapping | undefined;
  private lastForwardedEndedFrame = true;
  /** Set after silence was sent: the next source packet is mapped anew onto the output. */
  private remapNext = false;
  /** When a source's packet was last forwarded (silence fills in after a pause). */
  private lastSourcePacketAt = 0;
  /**
   * With silence fill, the output's media clock locked to the wall clock (the RTP timestamp it
   * had at a wall time): the encoder downstream decodes one frame per packet and does not fill
   * gaps in the timestamps, so every 20 ms of wall time must be a packet or that input (and its
   * rendition) falls behind the others for good. A late timer on a loaded machine used to send
   * one packet for several frames' time, and the channel's rendition stopped at the packager.
   */
  private clock: { wall: number; timestamp: number } | undefined;
  private readonly silenceTimer: NodeJS.Timeout | undefined;
  /**
   * The source on air's numbers: where a packet was lost on its venue's link. Browsers never
   * resend audio, and the encoder waits for a missing packet and then counts one frame fewer, so
   * audio fell 20 ms behind per packet lost (a second a minute at 2 % loss) until the audio
   * rendition stalled every viewer: a lost audio frame is silence in its place. Lost video is
   * resent, and asked for as a keyframe when it does not come back in time.
   */
  private readonly sequence: SourceSequence;

  constructor(private readonly options: TrackOptions) {
    if (options.silenceFill && options.codec.silence) {
      this.silenceTimer = setInterval(() => this.fillSilence(), AUDIO_FRAME_MS);
    }
    this.sequence = new SourceSequence(options.codec.needsKeyframe ? () => {
      options.logger.debug({ venueId: this.onAir }, 'a packet lost on the way from the venue on air did not come back in time: asking it for a keyframe');
      this.requestKeyFrame().catch((error: unknown) => options.logger.warn({ err: error }, 'could not ask the venue on air for a keyframe'));
    } : undefined);
  }

  /** Keyframes asked of the sources on air because a lost packet did not come back in time. */
  get repairs(): number {
    return this.sequence.requests;
  }

  /** The venue whose media is on air (or about to be, once its keyframe arrives). */
  get target(): string | undefined {
    return this.pending?.venueId ?? this.onAir;
  }

  get current(): string | undefined {
    return this.onAir;
  }

  has(venueId: string): boolean {
    return this.sources.has(venueId);
  }

  /** Wall time (ms) of the last packet sent, if any. */
  get lastSentAt(): number | undefined {
    return this.output?.sentAt;
  }

  /**
   * Takes a paused consumer of a venue's producer as a candidate source. A venue replacing the
   * source it has on air (it republished, or an interpreter's browser took over from the
   * simulated voice) is cut in again from its new consumer.
   */
  async addSource(venueId: string, consumer: types.Consumer): Promise<void> {
    const replaced = this.sources.get(venueId);
    replaced?.consumer.close();
    this.sources.set(venueId, { consumer });
    consumer.on('rtp', (packet) => this.onPacket(venueId, packet));
    if (!replaced || this.target !== venueId) return;
    this.pending = undefined;
    if (this.onAir === venueId) this.onAir = undefined;
    await this.switchTo(venueId);
  }

  /** The consumer a venue's source is (a closing consumer's handler checks it is still the one here). */
  consumerOf(venueId: string): types.Consumer | undefined {
    return this.sources.get(venueId)?.consumer;
  }

  /** Forgets a venue's source; if it was on air, the output simply stops until the next cut. */
  removeSource(venueId: string): void {
    this.sources.get(venueId)?.consumer.close();
    this.sources.delete(venueId);
    if (this.pending?.venueId === venueId) this.pending = undefined;
    if (this.onAir === venueId) this.onAir = undefined;
  }

  /** Puts a venue on air: at once for audio, on its next keyframe for video. */
  async switchTo(venueId: string, requestedAt = Date.now()): Promise<void> {
    const source = this.sources.get(venueId);
    if (!source) return;
    if (this.onAir === venueId && !this.pending) return;
    // Asked again while the cut to it is waiting for a keyframe (the server reconciles after every event).
    if (this.pending?.venueId === venueId) return;
    if (this.onAir === venueId) {
      this.pending = undefined;
      return;
    }
    this.pending = { venueId, requestedAt, buffer: [] };
    await source.consumer.resume();
    if (this.options.codec.needsKeyframe) await source.consumer.requestKeyFrame();
  }

  /** Takes every source off air; with silence fill the output continues as silence. */
  async silence(): Promise<void> {
    const previous = this.onAir;
    this.pending = undefined;
    this.onAir = undefined;
    if (previous) await pauseOffAir(this.sources.get(previous)?.consumer);
  }

  /** Asks the source on air (or about to be) for a keyframe, e.g. because a viewer asked. */
  async requestKeyFrame(): Promise<void> {
    const venueId = this.target;
    const source = venueId ? this.sources.get(venueId) : undefined;
    if (source && this.options.codec.needsKeyframe) await source.consumer.requestKeyFrame();
  }

  close(): void {
    clearInterval(this.silenceTimer);
    for (const { consumer } of this.sources.values()) consumer.close();
    this.sources.clear();
  }

  private onPacket(venueId: string, packet: Buffer): void {
    if (!isRtp(packet)) return;
    if (this.pending?.venueId === venueId) return this.onPendingPacket(packet);
    if (this.onAir !== venueId) return;
    this.forward(packet);
    if (this.pending && this.pending.buffer.length > 0 && this.lastForwardedEndedFrame) this.cut();
  }

  private onPendingPacket(packet: Buffer): void {
    const pending = this.pending;
    if (!pending) return;
    if (pending.buffer.length === 0) {
      // Video may start only on a keyframe; audio frames stand alone.
      if (!this.options.codec.startsCut(packet)) return;
    }
    pending.buffer.push(Buffer.from(packet));
    const oldSourceLive = this.onAir !== undefined && this.sources.has(this.onAir);
    if (!oldSourceLive || this.lastForwardedEndedFrame) this.cut();
  }

  private cut(): void {
    const pending = this.pending;
    const first = pending?.buffer[0];
    if (!pending || !first) return;
    const previous = this.onAir;
    const now = Date.now();
    this.mapping = this.mappingFor(first, now);
    this.remapNext = false;
    this.onAir = pending.venueId;
    this.pending = undefined;
    for (const packet of pending.buffer) this.forward(packet);
    if (previous && previous !== this.onAir && this.options.codec.needsKeyframe) {
      // Sources off air cost nothing: their consumers wait paused.
      // Never unhandled: the worker may be dying under us (its rebuild takes over).
      pauseOffAir(this.sources.get(previous)?.consumer).catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not pause the source going off air'));
    }
    this.options.onCut({ kind: this.options.codec.kind, venueId: pending.venueId, requestedAt: pending.requestedAt, cutAt: now });
  }

  /** Offsets that make the new source's first packet follow the last output packet. */
  private mappingFor(first: Buffer, now: number): Mapping {
    this.options.codec.continueWith(first);
    this.sequence.reset();
    if (this.clock) {
      // Silence up to the clock, then the source's first packet as the next frame.
      this.sendSilenceUntil(now, 1);
    }
    const out = this.output;
    if (!out) return { sequenceOffset: 0, timestampOffset: 0 };
    // Without a clock: the gap in the output equals the wall time since the last packet, in whole frames (at least one).
    const { clockRate, frameTicks } = this.options;
    const frames = this.clock ? 1 : Math.max(1, Math.round(((now - out.sentAt) * clockRate) / 1000 / frameTicks));
    const nextTimestamp = out.timestamp + frames * frameTicks;
    return { sequenceOffset: out.sequenceNumber + 1 - sequenceNumber(first), timestampOffset: nextTimestamp - timestamp(first) };
  }

  /** Fills in silence once a source has been quiet for a while (the timer, every 20 ms). */
  private fillSilence(): void {
    const now = Date.now();
    if (now - this.lastSourcePacketAt < SILENCE_AFTER_MS) return;
    if (this.sendSilenceUntil(now, 0) > 0) this.remapNext = true;
  }

  /** RTP ticks a timestamp of the output (by default its last) is behind the wall clock (negative: ahead). */
  private lagTicks(now: number, of = this.output?.timestamp): number {
    const clock = this.clock;
    if (!clock || of === undefined) return 0;
    const due = clock.timestamp + Math.round(((now - clock.wall) * this.options.clockRate) / 1000);
    return (due - of) | 0;
  }

  /**
   * Sends frames of the codec's silence, continuing the output's numbers, until the output is
   * within `leave` frames of the wall clock; returns how many it sent.
   */
  private sendSilenceUntil(now: number, leave: number): number {
    const silence = this.options.codec.silence;
    if (!silence) return 0;
    const { frameTicks } = this.options;
    if (!this.output || !this.clock) {
      const timestamp = randomInt(0, 2 ** 31);
      this.output = { sequenceNumber: randomInt(0, 0x8000), timestamp, sentAt: now - AUDIO_FRAME_MS };
      this.clock = { wall: now - AUDIO_FRAME_MS, timestamp };
    }
    let frames = Math.floor(this.lagTicks(now) / frameTicks) - leave;
    if (frames > MAX_FILL_FRAMES) {
      this.options.logger.warn({ frames }, 'the audio output stalled for seconds; its clock starts again');
      this.clock = { wall: now - (leave + 1) * AUDIO_FRAME_MS, timestamp: this.output.timestamp };
      frames = 1;
    }
    this.sendSilenceFrames(frames, now);
    return Math.max(0, frames);
  }

  /** Sends frames of the codec's silence continuing the output's numbers (a codec with silence, an output begun). */
  private sendSilenceFrames(frames: number, now: number): void {
    const silence = this.options.codec.silence;
    if (!silence || !this.output) return;
    for (let i = 0; i < frames; i++) {
      const out: Output = this.output;
      const packet = Buffer.alloc(12 + silence.length);
      packet[0] = 0x80;
      silence.copy(packet, 12);
      const sequence = (out.sequenceNumber + 1) & 0xffff;
      const ts = (out.timestamp + this.options.frameTicks) >>> 0;
      rewriteHeader(packet, { ssrc: this.options.ssrc, payloadType: this.options.payloadType, sequenceNumber: sequence, timestamp: ts });
      this.output = { sequenceNumber: sequence, timestamp: ts, sentAt: now };
      this.options.producer.send(packet);
    }
  }

  private forward(packet: Buffer): void {
    const now = Date.now();
    this.lastSourcePacketAt = now;
    const remapped = this.remapNext;
    if (remapped) this.mapping = this.mappingFor(packet, now);
    this.remapNext = false;
    let mapping = this.mapping ?? { sequenceOffset: 0, timestampOffset: 0 };
    if (this.clock) {
      // Drifted from the clock: ahead (a burst after a stall), the packet is dropped and the next
      // one mapped anew; behind (a slow source clock), silence catches up and this packet follows.
      const lag = this.lagTicks(now, timestamp(packet) + mapping.timestampOffset);
      const limit = (MAX_DRIFT_MS * this.options.clockRate) / 1000;
      if (lag < -limit) return void (this.remapNext = true);
      if (lag > limit && !remapped) mapping = this.mappingFor(packet, now);
    }
    this.mapping = mapping;
    const ahead = this.sequence.advance(sequenceNumber(packet), now);
    if (this.options.codec.silence) {
      // Late or repeated: its place was filled with silence.
      if (ahead <= 0) return;
      if (ahead > MAX_CONCEALED_FRAMES) {
        this.mapping = mapping = this.mappingFor(packet, now);
        this.sequence.advance(sequenceNumber(packet), now);
      } else if (ahead > 1) this.sendSilenceFrames(ahead - 1, now);
    }
    // A retransmitted packet (lost on the venue's link, asked for again) comes after newer ones:
    // it is forwarded in its place, but the output's position stays at the newest.
    const newest = ahead > 0;
    const outSequence = (sequenceNumber(packet) + mapping.sequenceOffset) & 0xffff;
    const outTimestamp = (timestamp(packet) + mapping.timestampOffset) >>> 0;
    this.options.codec.rewrite(packet);
    rewriteHeader(packet, { ssrc: this.options.ssrc, payloadType: this.options.payloadType, sequenceNumber: outSequence, timestamp: outTimestamp });
    if (newest) {
      this.output = { sequenceNumber: outSequence, timestamp: outTimestamp, sentAt: now };
      this.lastForwardedEndedFrame = this.options.codec.endsFrame(packet);
    }
    if (this.options.silenceFill && this.options.codec.silence) this.clock ??= { wall: now, timestamp: outTimestamp };
    this.options.producer.send(packet);
  }
}

/**
 * Pauses a source that went off air. The venue may be leaving at the same
 * moment (its consumer closing under the pause): then there is nothing to
 * pause, and that is not an error.
 */
async function pauseOffAir(consumer: types.Consumer | undefined): Promise<void> {
  if (!consumer || consumer.closed) return;
  try {
    await consumer.pause();
  } catch (error) {
    // The worker closed it first; its close notice may land just after the failed request.
    await new Promise((resolve) => setImmediate(resolve));
    if (!consumer.closed) throw error;
  }
}

import { randomInt } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { isRtp, rewriteHeader, sequenceNumber, timestamp } from '../rtp/packet';
import type { TrackCodec } from './codecs';

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
  private readonly silenceTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: TrackOptions) {
    if (options.silenceFill && options.codec.silence) {
      this.silenceTimer = setInterval(() => this.fillSilence(), AUDIO_FRAME_MS);
    }
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

  /** Takes a paused consumer of a venue's producer as a candidate source. */
  addSource(venueId: string, consumer: types.Consumer): void {
    this.sources.get(venueId)?.consumer.close();
    this.sources.set(venueId, { consumer });
    consumer.on('rtp', (packet) => this.onPacket(venueId, packet));
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
    const out = this.output;
    this.options.codec.continueWith(first);
    if (!out) return { sequenceOffset: 0, timestampOffset: 0 };
    // The gap in the output equals the wall time since the last packet, in whole frames (at least one).
    const { clockRate, frameTicks } = this.options;
    const frames = Math.max(1, Math.round(((now - out.sentAt) * clockRate) / 1000 / frameTicks));
    const nextTimestamp = out.timestamp + frames * frameTicks;
    return { sequenceOffset: out.sequenceNumber + 1 - sequenceNumber(first), timestampOffset: nextTimestamp - timestamp(first) };
  }

  /** Sends a frame of the codec's silence if nothing was sent for a while, continuing the output's numbers. */
  private fillSilence(): void {
    const now = Date.now();
    const silence = this.options.codec.silence;
    if (!silence || now - this.lastSourcePacketAt < SILENCE_AFTER_MS) return;
    const out = this.output ?? { sequenceNumber: randomInt(0, 0x8000), timestamp: randomInt(0, 2 ** 31), sentAt: now - AUDIO_FRAME_MS };
    const frames = Math.max(1, Math.round((now - out.sentAt) / AUDIO_FRAME_MS));
    const packet = Buffer.alloc(12 + silence.length);
    packet[0] = 0x80;
    silence.copy(packet, 12);
    const sequence = (out.sequenceNumber + 1) & 0xffff;
    const ts = (out.timestamp + frames * this.options.frameTicks) >>> 0;
    rewriteHeader(packet, { ssrc: this.options.ssrc, payloadType: this.options.payloadType, sequenceNumber: sequence, timestamp: ts });
    this.output = { sequenceNumber: sequence, timestamp: ts, sentAt: now };
    this.remapNext = true;
    this.options.producer.send(packet);
  }

  private forward(packet: Buffer): void {
    if (this.remapNext) {
      this.mapping = this.mappingFor(packet, Date.now());
      this.remapNext = false;
    }
    const mapping = this.mapping ?? { sequenceOffset: 0, timestampOffset: 0 };
    this.mapping = mapping;
    this.lastSourcePacketAt = Date.now();
    const outSequence = (sequenceNumber(packet) + mapping.sequenceOffset) & 0xffff;
    const outTimestamp = (timestamp(packet) + mapping.timestampOffset) >>> 0;
    this.options.codec.rewrite(packet);
    rewriteHeader(packet, { ssrc: this.options.ssrc, payloadType: this.options.payloadType, sequenceNumber: outSequence, timestamp: outTimestamp });
    this.output = { sequenceNumber: outSequence, timestamp: outTimestamp, sentAt: Date.now() };
    this.lastForwardedEndedFrame = this.options.codec.endsFrame(packet);
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

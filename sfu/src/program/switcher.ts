import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { ProgramTrack, type Cut } from './track';

/** The program's codecs: what every venue publishes (VP8, Opus) and the broadcast encoder takes. */
const PROGRAM_VIDEO_PT = 101;
const PROGRAM_AUDIO_PT = 100;
const VIDEO_FRAME_TICKS = 3000; // 30 fps at 90 kHz
const AUDIO_FRAME_TICKS = 960; // 20 ms at 48 kHz

interface SwitcherEvents {
  /** A floor change reached the program (per kind). */
  cut: [Cut];
}

/**
 * The program feed of one conference: one continuous video track and one audio
 * track that follow the floor. Venues' producers are consumed through a
 * DirectTransport in Node; the program is produced back into the router on the
 * same transport, so any consumer (venues, the broadcast egress) takes it like
 * any other producer. If the venue on air loses its producer, the program falls
 * back to the fallback venue (the main venue) by itself.
 */
export class ProgramSwitcher extends EventEmitter<SwitcherEvents> {
  private readonly tracks: Record<types.MediaKind, ProgramTrack>;
  private onAirVenue: string | undefined;
  private closed = false;

  private constructor(
    private readonly router: types.Router,
    private readonly transport: types.DirectTransport,
    readonly videoProducer: types.Producer,
    readonly audioProducer: types.Producer,
    private readonly fallbackVenueId: string,
    private readonly logger: Logger,
  ) {
    super();
    const onCut = (cut: Cut) => {
      this.logger.info({ ...cut, waitedMs: cut.cutAt - cut.requestedAt }, 'program cut');
      this.emit('cut', cut);
    };
    this.tracks = {
      video: new ProgramTrack({ kind: 'video', producer: videoProducer, ssrc: videoProducer.rtpParameters.encodings?.[0]?.ssrc ?? 0, payloadType: PROGRAM_VIDEO_PT, clockRate: 90000, frameTicks: VIDEO_FRAME_TICKS, onCut, logger }),
      audio: new ProgramTrack({ kind: 'audio', producer: audioProducer, ssrc: audioProducer.rtpParameters.encodings?.[0]?.ssrc ?? 0, payloadType: PROGRAM_AUDIO_PT, clockRate: 48000, frameTicks: AUDIO_FRAME_TICKS, onCut, logger }),
    };
    // Keyframe requests from the program's consumers (a venue joining, the egress) go to the source on air.
    transport.on('rtcp', (packet) => {
      if (isKeyframeRequest(packet)) void this.tracks.video.requestKeyFrame();
    });
  }

  static async create(router: types.Router, options: { fallbackVenueId: string; logger: Logger }): Promise<ProgramSwitcher> {
    const transport = await router.createDirectTransport({ maxMessageSize: 262144 });
    try {
      const videoProducer = await transport.produce({
        kind: 'video',
        rtpParameters: {
          codecs: [{
            mimeType: 'video/VP8', payloadType: PROGRAM_VIDEO_PT, clockRate: 90000,
            // Declared so that keyframe requests from consumers reach Node (transport 'rtcp').
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
          }],
          encodings: [{ ssrc: randomInt(1, 2 ** 31) }],
        },
        appData: { program: true },
      });
      const audioProducer = await transport.produce({
        kind: 'audio',
        rtpParameters: {
          codecs: [{ mimeType: 'audio/opus', payloadType: PROGRAM_AUDIO_PT, clockRate: 48000, channels: 2 }],
          encodings: [{ ssrc: randomInt(1, 2 ** 31) }],
        },
        appData: { program: true },
      });
      return new ProgramSwitcher(router, transport, videoProducer, audioProducer, options.fallbackVenueId, options.logger);
    } catch (error) {
      transport.close();
      throw error;
    }
  }

  /** The venue the program shows (or is cutting to). */
  get onAir(): string | undefined {
    return this.onAirVenue;
  }

  /** The venue whose video is actually in the program now. */
  get videoOnAir(): string | undefined {
    return this.tracks.video.current;
  }

  /**
   * Makes a venue's producer a candidate source. Consumers start paused and are
   * resumed only while their venue is on air. If the venue is on air already
   * (it republished), it is cut in again.
   */
  async addSource(venueId: string, producer: types.Producer): Promise<void> {
    if (this.closed) return;
    const track = this.tracks[producer.kind];
    const consumer = await this.transport.consume({
      producerId: producer.id,
      rtpCapabilities: { codecs: this.router.rtpCapabilities.codecs, headerExtensions: [] },
      paused: true,
    });
    consumer.on('producerclose', () => this.onSourceGone(venueId, producer.kind));
    track.addSource(venueId, consumer);
    if (this.onAirVenue === venueId) await track.switchTo(venueId);
  }

  /** Forgets a venue (it left); if it was on air, the program falls back. */
  removeVenue(venueId: string): void {
    for (const kind of ['video', 'audio'] as const) this.onSourceGone(venueId, kind);
  }

  /** Puts a venue on air; the video cut happens on its next keyframe. */
  async setOnAir(venueId: string): Promise<void> {
    if (this.closed) return;
    this.onAirVenue = venueId;
    const requestedAt = Date.now();
    await Promise.all([this.tracks.video.switchTo(venueId, requestedAt), this.tracks.audio.switchTo(venueId, requestedAt)]);
  }

  /** Closes the program producers and every source consumer. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.tracks.video.close();
    this.tracks.audio.close();
    this.transport.close();
  }

  private onSourceGone(venueId: string, kind: types.MediaKind): void {
    const track = this.tracks[kind];
    if (!track.has(venueId)) return;
    const wasTarget = track.target === venueId;
    track.removeSource(venueId);
    if (wasTarget && venueId !== this.fallbackVenueId && !this.closed) {
      this.logger.warn({ venueId, kind, fallback: this.fallbackVenueId }, 'the venue on air lost its media; falling back');
      this.onAirVenue = this.fallbackVenueId;
      void track.switchTo(this.fallbackVenueId);
    }
  }
}

/** True for an RTCP compound packet holding a PLI (PSFB FMT 1) or FIR (PSFB FMT 4). */
export function isKeyframeRequest(packet: Buffer): boolean {
  let offset = 0;
  while (offset + 4 <= packet.length) {
    const fmt = (packet[offset] ?? 0) & 0x1f;
    const type = packet[offset + 1];
    if (type === 206 && (fmt === 1 || fmt === 4)) return true;
    offset += 4 * (packet.readUInt16BE(offset + 2) + 1);
  }
  return false;
}

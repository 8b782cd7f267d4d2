import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { ProgramTrack, type Cut } from './track';
import { OpusNumbering, Vp8Numbering } from './codecs';
import { LayerHold, type LinkCounts } from './layers';

/** The program's codecs: what every venue publishes (VP8, Opus) and the broadcast encoder takes. */
const PROGRAM_VIDEO_PT = 101;
export const PROGRAM_AUDIO_PT = 100;
const VIDEO_FRAME_TICKS = 3000; // 30 fps at 90 kHz
const AUDIO_FRAME_TICKS = 960; // 20 ms at 48 kHz

type TrackName = 'video' | 'audio' | 'mainAudio' | 'sign';

/** How often the sign-language picture is looked at, and how long it may stop before it is taken out. */
const SIGN_WATCH_MS = 250;
const SIGN_STALL_MS = 1000;

/** The source the program shows when no venue's picture is there to show (see ConferenceRoom's slate). */
export const SLATE = 'slate';

interface SwitcherEvents {
  /** A floor change reached the program (per kind). */
  cut: [Cut];
  /** The picture on air went and the main venue has none either: without a slate, the encoder would starve. */
  starved: [];
  /** The sign-language picture (the picture-in-picture) came or went: the broadcast composes it or stops. */
  sign: [showing: boolean];
  /**
   * The program holds a venue's picture on a lower simulcast layer (its top one failed on its
   * link): the venue should send nothing above it until the hold ends (`undefined`).
   */
  layerHold: [venueId: string, spatialLayer: number | undefined];
}

/**
 * The program feed of one conference: one continuous video track that follows
 * the floor, and two continuous audio tracks: the floor holder's microphone
 * (silent while the main venue holds the floor) and the main venue's microphone
 * (always). Mixed downstream (by the broadcast encoder; browsers mix what they
 * play), the presider is always heard, also while handing over, and the speaker
 * is heard without the clipped starts that switching one audio track causes.
 * Both audio tracks are filled with Opus silence when their source is quiet, so a
 * mixer always has input. Venues' producers are consumed through a
 * DirectTransport in Node; the program is produced back into the router on the
 * same transport. If the venue on air loses its media, the program falls back to
 * the main venue by itself.
 */
export class ProgramSwitcher extends EventEmitter<SwitcherEvents> {
  private readonly tracks: Record<TrackName, ProgramTrack>;
  private floorVenue: string | undefined;
  private signVenue: string | undefined;
  /** What the last 'sign' event said. */
  private signShown = false;
  private readonly signWatch: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly router: types.Router,
    private readonly transport: types.DirectTransport,
    readonly videoProducer: types.Producer,
    readonly audioProducer: types.Producer,
    readonly mainAudioProducer: types.Producer,
    /** The sign-language venue's picture, for the broadcast's picture-in-picture (nothing while none). */
    readonly signProducer: types.Producer,
    private readonly fallbackVenueId: string,
    private readonly logger: Logger,
  ) {
    super();
    const onCut = (cut: Cut) => {
      this.logger.info({ ...cut, waitedMs: cut.cutAt - cut.requestedAt }, 'program cut');
      this.emit('cut', cut);
    };
    const ssrcOf = (producer: types.Producer) => producer.rtpParameters.encodings?.[0]?.ssrc ?? 0;
    const audioTrack = (producer: types.Producer) =>
      new ProgramTrack({ codec: new OpusNumbering(), producer, ssrc: ssrcOf(producer), payloadType: PROGRAM_AUDIO_PT, clockRate: 48000, frameTicks: AUDIO_FRAME_TICKS, onCut, silenceFill: true, logger });
    this.tracks = {
      video: new ProgramTrack({ codec: new Vp8Numbering(), producer: videoProducer, ssrc: ssrcOf(videoProducer), payloadType: PROGRAM_VIDEO_PT, clockRate: 90000, frameTicks: VIDEO_FRAME_TICKS, onCut, logger }),
      audio: audioTrack(audioProducer),
      mainAudio: audioTrack(mainAudioProducer),
      sign: new ProgramTrack({ codec: new Vp8Numbering(), producer: signProducer, ssrc: ssrcOf(signProducer), payloadType: PROGRAM_VIDEO_PT, clockRate: 90000, frameTicks: VIDEO_FRAME_TICKS, onCut: () => this.watchSign(), logger }),
    };
    this.signWatch = setInterval(() => this.watchSign(), SIGN_WATCH_MS);
    // Keyframe requests from the program's consumers (a venue joining, the egress) go to the source on air.
    transport.on('rtcp', (packet) => {
      // Fire and forget, but never unhandled: the worker may be closing under us.
      if (!isKeyframeRequest(packet)) return;
      // The packet does not say which picture: both sources are asked (a keyframe more is harmless).
      for (const track of [this.tracks.video, this.tracks.sign]) track.requestKeyFrame().catch((error: unknown) => this.logger.debug({ err: error }, 'keyframe request not forwarded'));
    });
  }

  static async create(router: types.Router, options: { fallbackVenueId: string; logger: Logger }): Promise<ProgramSwitcher> {
    const transport = await router.createDirectTransport({ maxMessageSize: 262144 });
    try {
      const video = () =>
        transport.produce({
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
      const videoProducer = await video();
      const audio = () =>
        transport.produce({
          kind: 'audio',
          rtpParameters: {
            codecs: [{ mimeType: 'audio/opus', payloadType: PROGRAM_AUDIO_PT, clockRate: 48000, channels: 2 }],
            encodings: [{ ssrc: randomInt(1, 2 ** 31) }],
          },
          appData: { program: true },
        });
      const audioProducer = await audio();
      const mainAudioProducer = await audio();
      const signProducer = await video();
      return new ProgramSwitcher(router, transport, videoProducer, audioProducer, mainAudioProducer, signProducer, options.fallbackVenueId, options.logger);
    } catch (error) {
      transport.close();
      throw error;
    }
  }

  /** The venue that has the floor: the program shows it, or the main venue (or the slate) while its media is missing. */
  get floorHolder(): string | undefined {
    return this.floorVenue;
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
  async addSource(venueId: string, producer: types.Producer, linkCounts?: LinkCounts): Promise<void> {
    if (this.closed) return;
    const consume = async (track: TrackName) => {
      const consumer = await this.transport.consume({
        producerId: producer.id,
        rtpCapabilities: { codecs: this.router.rtpCapabilities.codecs, headerExtensions: [] },
        paused: true,
      });
      consumer.on('producerclose', () => this.onSourceGone(venueId, track));
      // A venue's picture that had to step down a simulcast layer stays there a while, not flapping;
      // the program's picture asks the venue to stop retrying the layers above meanwhile.
      if (producer.kind === 'video' && track === 'video') new LayerHold(consumer, this.logger, { onHold: (layer) => this.emit('layerHold', venueId, layer), linkCounts });
      else if (producer.kind === 'video') new LayerHold(consumer, this.logger);
      await this.tracks[track].addSource(venueId, consumer);
    };
    if (producer.kind === 'video') {
      await consume('video');
      await consume('sign');
      if (this.signVenue === venueId) await this.tracks.sign.switchTo(venueId);
      if (this.floorVenue === venueId) await this.tracks.video.switchTo(venueId);
      // Showing the slate and the main venue's picture is back while the floor holder's is not: show it.
      else if (venueId === this.fallbackVenueId && this.tracks.video.target === SLATE) await this.tracks.video.switchTo(venueId);
    } else if (venueId === this.fallbackVenueId) {
      await consume('mainAudio');
      await this.tracks.mainAudio.switchTo(venueId);
    } else {
      await consume('audio');
      if (this.floorVenue === venueId) await this.tracks.audio.switchTo(venueId);
    }
  }

  /** Forgets a venue (it left); if it was on air, the program falls back (the floor moves too: the server gives it back). */
  removeVenue(venueId: string): void {
    for (const track of ['video', 'audio', 'mainAudio', 'sign'] as const) this.onSourceGone(venueId, track);
  }

  /** The venue chosen for the sign-language picture, if any. */
  get signVenueId(): string | undefined {
    return this.signVenue;
  }

  /**
   * Whether the sign-language picture is showing now: its venue is on the sign track and its
   * frames are flowing (a picture that stops for a second, however it stops, is not showing:
   * the broadcast's corner would hold the whole program back).
   */
  get signShowing(): boolean {
    const sent = this.tracks.sign.lastSentAt;
    return this.signVenue !== undefined && this.tracks.sign.current === this.signVenue && sent !== undefined && Date.now() - sent < SIGN_STALL_MS;
  }

  /** The venue whose picture goes into the broadcast's corner, or none. */
  async setSignVenue(venueId: string | undefined): Promise<void> {
    if (this.closed || this.signVenue === venueId) return;
    this.signVenue = venueId;
    // The previous venue's picture leaves at once, whether or not the new one's is there yet.
    await this.tracks.sign.silence();
    this.watchSign();
    if (venueId !== undefined) await this.tracks.sign.switchTo(venueId);
  }

  /** Tells the broadcast when the sign-language picture starts or stops showing. */
  private watchSign(): void {
    const showing = this.signShowing;
    if (showing === this.signShown || this.closed) return;
    this.signShown = showing;
    this.emit('sign', showing);
  }

  /** Puts a venue on air; the video cut happens on its next keyframe. */
  async setOnAir(venueId: string): Promise<void> {
    if (this.closed) return;
    this.floorVenue = venueId;
    const requestedAt = Date.now();
    // The main venue is always heard on its own track; the floor track falls silent for it.
    const audio = venueId === this.fallbackVenueId ? this.tracks.audio.silence() : this.tracks.audio.switchTo(venueId, requestedAt);
    await Promise.all([this.tracks.video.switchTo(venueId, requestedAt), audio]);
  }

  /** Closes the program producers and every source consumer. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.signWatch);
    for (const track of Object.values(this.tracks)) track.close();
    this.transport.close();
  }

  private onSourceGone(venueId: string, name: TrackName): void {
    const track = this.tracks[name];
    if (!track.has(venueId)) return;
    const wasTarget = track.target === venueId;
    track.removeSource(venueId);
    if (name === 'sign') return this.watchSign();
    if (!wasTarget || this.closed || venueId === SLATE) return;
    // No picture to fall back to (the main venue has none, or it was the main venue's that went):
    // the program shows a slate until one is back, so the encoder is never starved.
    if (name === 'video' && (venueId === this.fallbackVenueId || !track.has(this.fallbackVenueId))) {
      this.logger.warn({ venueId }, 'the picture on air went and the main venue has none; showing the slate');
      this.emit('starved');
      return;
    }
    if (venueId === this.fallbackVenueId) return;
    // The venue keeps the floor (floorVenue stays): the program shows the main venue only until
    // the venue publishes again (its sender restarted, its browser republished), then cuts back.
    this.logger.warn({ venueId, track: name, fallback: this.fallbackVenueId }, 'the venue on air lost its media; showing the main venue until it is back');
    (name === 'video' ? track.switchTo(this.fallbackVenueId) : track.silence()).catch((error: unknown) => {
      if (!this.closed) this.logger.error({ err: error, track: name }, 'falling back to the main venue failed');
    });
  }

  /** Shows a slate's picture (its producer is a source now) until a venue's picture is back. */
  async showSlate(producer: types.Producer): Promise<void> {
    await this.addSource(SLATE, producer);
    // A venue's picture may have come back while the slate started.
    if (!this.tracks.video.target || !this.tracks.video.has(this.tracks.video.target)) await this.tracks.video.switchTo(SLATE);
  }

  /** Stops offering the slate (its sender is going). */
  dropSlate(): void {
    this.onSourceGone(SLATE, 'video');
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

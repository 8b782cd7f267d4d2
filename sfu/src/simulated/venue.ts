import { randomInt } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { findFreeUdpPortPair } from '../net/ports';
import { TiedProcess } from '../net/tied-process';

/** An RGB colour, 0-255 per channel. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export interface SimulatedVenueOptions {
  router: types.Router;
  /** Drawn on the picture, so a person can tell the venues apart. */
  name: string;
  /** The picture's background, so a test can tell the venues apart by mean colour. */
  colour: Rgb;
  width?: number;
  height?: number;
  /** The tone's frequency, so venues can be told apart by ear too. */
  toneHz?: number;
  /** Video bitrate (bit/s); a busy picture (noise) keeps it at this rate, for load tests. */
  bitrate?: number;
  busy?: boolean;
  logger: Logger;
  /** GStreamer ended without close() (crashed or was killed): the owner may start the venue again. */
  onStopped?: () => void;
}

export const SIMULATED_VIDEO_PT = 101;
export const SIMULATED_AUDIO_PT = 100;
const LOOPBACK = '127.0.0.1';
const rtcpFeedback: types.RtcpFeedback[] = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }];

/** A plain transport GStreamer sends into from a port of its own (RTCP both ways, for keyframe requests). */
export interface PlainSender {
  transport: types.PlainTransport;
  sendFrom: number;
  rtcpIn: number;
  to: number;
  rtcpTo: number;
}

// comedia off: mediasoup sends RTCP (and so keyframe requests) to the port
// where GStreamer listens, and accepts RTP from the port GStreamer sends from.
export async function plainSender(router: types.Router, transports: types.PlainTransport[]): Promise<PlainSender> {
  const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: LOOPBACK }, rtcpMux: false, comedia: false });
  transports.push(transport);
  const local = await findFreeUdpPortPair(LOOPBACK);
  await transport.connect({ ip: LOOPBACK, port: local, rtcpPort: local + 1 });
  return { transport, sendFrom: local, rtcpIn: local + 1, to: transport.tuple.localPort, rtcpTo: transport.rtcpTuple?.localPort ?? 0 };
}

/** The Opus producer of a simulated sender's tone. */
export function toneProducer(sender: PlainSender, ssrc: number, appData: Record<string, unknown>): Promise<types.Producer> {
  return sender.transport.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', payloadType: SIMULATED_AUDIO_PT, clockRate: 48000, channels: 2, rtcpFeedback: [] }],
      encodings: [{ ssrc }],
    },
    appData,
  });
}

/** The GStreamer elements of a tone sent as Opus RTP through session `session` of the pipeline's rtpbin (named rtp). */
export function tonePipeline(sender: PlainSender, ssrc: number, toneHz: number, session: number): string[] {
  return [
    'audiotestsrc', 'is-live=true', 'wave=sine', `freq=${toneHz}`, 'volume=0.2',
    '!', 'audio/x-raw,rate=48000,channels=2', '!', 'opusenc', 'bitrate=64000',
    '!', 'rtpopuspay', `pt=${SIMULATED_AUDIO_PT}`, `ssrc=${ssrc}`,
    '!', `rtp.send_rtp_sink_${session}`,
    `rtp.send_rtp_src_${session}`, '!', 'udpsink', `host=${LOOPBACK}`, `port=${sender.to}`, `bind-port=${sender.sendFrom}`, 'sync=false', 'async=false',
    `rtp.send_rtcp_src_${session}`, '!', 'udpsink', `host=${LOOPBACK}`, `port=${sender.rtcpTo}`, 'sync=false', 'async=false',
    'udpsrc', `port=${sender.rtcpIn}`, `address=${LOOPBACK}`, '!', `rtp.recv_rtcp_sink_${session}`,
  ];
}

/**
 * A GStreamer process sending RTP into PlainTransport producers: a simulated
 * venue, or a simulated voice. Owns the process and its transports; tells
 * `onStopped` when the process ends without close() (crashed or killed).
 */
export abstract class SimulatedSender {
  private closed = false;

  protected constructor(
    private readonly transports: types.PlainTransport[],
    private readonly gst: TiedProcess,
    onStopped: (() => void) | undefined,
  ) {
    void gst.ended.then(() => {
      if (!this.closed) onStopped?.();
    });
  }

  /** What it publishes. */
  abstract get producers(): types.Producer[];

  /** The GStreamer process id (tests kill it to simulate a dropped sender). */
  get pid(): number | undefined {
    return this.gst.pid;
  }

  /** Stops the sender and closes its transports (and so its producers). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.gst.stop();
    for (const transport of this.transports) transport.close();
  }
}

const hex = (n: number) => Math.max(0, Math.min(255, Math.round(n))).toString(16).padStart(2, '0');

/**
 * A venue without a camera: GStreamer draws a coloured picture with the venue's
 * name and a running clock, plays a tone, encodes VP8 and Opus, and sends RTP
 * into PlainTransport producers. Unlike ffmpeg, GStreamer's RTP session answers
 * keyframe requests (PLI/FIR) the way a browser does, so the program switcher's
 * latency measured with it is honest. Keyframes come only on request (or every
 * 10 s as a safety net).
 */
export class SimulatedVenue extends SimulatedSender {
  private constructor(
    readonly name: string,
    readonly videoProducer: types.Producer,
    readonly audioProducer: types.Producer,
    transports: types.PlainTransport[],
    gst: TiedProcess,
    onStopped: (() => void) | undefined,
  ) {
    super(transports, gst, onStopped);
  }

  static async start(options: SimulatedVenueOptions): Promise<SimulatedVenue> {
    const { router, name, colour, width = 640, height = 360, toneHz = 440, bitrate = 600_000, busy = false, logger, onStopped } = options;
    const transports: types.PlainTransport[] = [];
    try {
      const video = await plainSender(router, transports);
      const audio = await plainSender(router, transports);
      const videoSsrc = randomInt(1, 2 ** 31);
      const audioSsrc = randomInt(1, 2 ** 31);
      const videoProducer = await video.transport.produce({
        kind: 'video',
        rtpParameters: {
          codecs: [{ mimeType: 'video/VP8', payloadType: SIMULATED_VIDEO_PT, clockRate: 90000, rtcpFeedback }],
          encodings: [{ ssrc: videoSsrc }],
        },
        appData: { simulated: true, venueName: name },
      });
      const audioProducer = await toneProducer(audio, audioSsrc, { simulated: true, venueName: name });

      const text = name.replace(/["\\]/g, '');
      const pipeline = [
        'rtpbin', 'name=rtp',
        'videotestsrc', 'is-live=true', ...(busy ? ['pattern=snow'] : ['pattern=solid-color', `foreground-color=0xff${hex(colour.r)}${hex(colour.g)}${hex(colour.b)}`]),
        '!', `video/x-raw,width=${width},height=${height},framerate=30/1`,
        '!', 'textoverlay', `text=${text}`, 'font-desc=Sans Bold 36', 'valignment=center', 'halignment=center',
        '!', 'clockoverlay', 'time-format=%H:%M:%S', 'font-desc=Sans 20', 'valignment=bottom', 'halignment=right',
        '!', 'videoconvert',
        '!', 'vp8enc', 'deadline=1', 'cpu-used=8', 'threads=1', 'lag-in-frames=0', 'end-usage=cbr', `target-bitrate=${bitrate}`, 'keyframe-max-dist=300',
        '!', 'rtpvp8pay', `pt=${SIMULATED_VIDEO_PT}`, `ssrc=${videoSsrc}`, 'picture-id-mode=15-bit', 'mtu=1200',
        '!', 'rtp.send_rtp_sink_0',
        'rtp.send_rtp_src_0', '!', 'udpsink', `host=${LOOPBACK}`, `port=${video.to}`, `bind-port=${video.sendFrom}`, 'sync=false', 'async=false',
        'rtp.send_rtcp_src_0', '!', 'udpsink', `host=${LOOPBACK}`, `port=${video.rtcpTo}`, 'sync=false', 'async=false',
        'udpsrc', `port=${video.rtcpIn}`, `address=${LOOPBACK}`, '!', 'rtp.recv_rtcp_sink_0',
        ...tonePipeline(audio, audioSsrc, toneHz, 1),
      ];
      const gst = new TiedProcess('gst-launch-1.0', ['-q', ...pipeline], { logger, stopSignal: 'SIGTERM' });
      const log = logger.child({ simulatedVenue: name, pid: gst.pid });
      void gst.ended.then(({ code, signal }) => {
        // SIGTERM is ours (close); anything else is a venue that stopped by itself.
        if (code !== 0 && signal !== 'SIGTERM') log.warn({ code, signal, stderr: gst.log.slice(-2000) }, 'simulated venue stopped');
      });
      log.info('simulated venue publishing');
      return new SimulatedVenue(name, videoProducer, audioProducer, transports, gst, onStopped);
    } catch (error) {
      for (const transport of transports) transport.close();
      throw error;
    }
  }

  /** What it publishes: its camera and its tone. */
  get producers(): types.Producer[] {
    return [this.videoProducer, this.audioProducer];
  }
}

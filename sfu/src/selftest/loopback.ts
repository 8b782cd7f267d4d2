import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { FfmpegProcess, runToCompletion } from '../ffmpeg/process';
import { findFreeUdpPortPair, waitUntilUdpBound } from '../net/ports';

/** What the loopback proved: frames that went through the SFU and decoded. */
export interface LoopbackResult {
  codec: string;
  width: number;
  height: number;
  /** Frames ffprobe decoded from the recording. */
  framesDecoded: number;
  /** Anything the decoder complained about; empty when every frame decoded cleanly. */
  decodeErrors: string;
  elapsedMs: number;
}

export interface LoopbackOptions {
  width?: number;
  height?: number;
  /** How many frames the receiving ffmpeg records before it stops. */
  frames?: number;
  logger: Logger;
}

const LOOPBACK_IP = '127.0.0.1';
const SENDER_SSRC = 22222222;
const SENDER_PAYLOAD_TYPE = 101;

/**
 * A media self-test through a real router: ffmpeg sends a VP8 test pattern over
 * RTP into a PlainTransport producer; a consumer of it sends RTP to a second
 * ffmpeg that records a file; ffprobe decodes the recording. Everything it
 * starts (transports, processes, files) is closed before it returns.
 */
export async function runLoopbackSelfTest(router: types.Router, options: LoopbackOptions): Promise<LoopbackResult> {
  const { width = 320, height = 240, frames = 45, logger } = options;
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'plenary-loopback-'));
  const processes: FfmpegProcess[] = [];
  const transports: types.Transport[] = [];
  try {
    // Ingest: ffmpeg -> PlainTransport (comedia: mediasoup learns the sender's address).
    const ingest = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: LOOPBACK_IP },
      rtcpMux: false, // ffmpeg sends RTCP from a second port
      comedia: true,
    });
    transports.push(ingest);
    const producer = await ingest.produce({
      kind: 'video',
      rtpParameters: {
        codecs: [
          {
            mimeType: 'video/VP8',
            payloadType: SENDER_PAYLOAD_TYPE,
            clockRate: 90000,
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
          },
        ],
        encodings: [{ ssrc: SENDER_SSRC }],
      },
    });

    // Egress: consumer -> PlainTransport -> ffmpeg listening on an SDP.
    const recvPort = await findFreeUdpPortPair(LOOPBACK_IP);
    const egress = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: LOOPBACK_IP },
      rtcpMux: false,
      comedia: false,
    });
    transports.push(egress);
    await egress.connect({ ip: LOOPBACK_IP, port: recvPort, rtcpPort: recvPort + 1 });
    const consumer = await egress.consume({
      producerId: producer.id,
      rtpCapabilities: plainRtpCapabilities(router.rtpCapabilities),
      paused: true, // resumed once the recorder listens, so the first keyframe is not lost
    });
    const codec = consumer.rtpParameters.codecs[0];
    if (!codec) throw new Error('the consumer negotiated no codec');

    const sdpPath = join(dir, 'program.sdp');
    const recordingPath = join(dir, 'recording.mkv');
    await writeFile(sdpPath, receiverSdp(recvPort, codec.payloadType, codec.mimeType.split('/')[1] ?? 'VP8'));
    const recorder = new FfmpegProcess(
      ['-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-i', sdpPath,
        '-c', 'copy', '-frames:v', String(frames), '-y', recordingPath],
      logger.child({ process: 'loopback-recorder' }),
    );
    processes.push(recorder);
    await waitUntilUdpBound(recvPort, LOOPBACK_IP, 5000);

    const rtp = ingest.tuple.localPort;
    const rtcp = ingest.rtcpTuple?.localPort ?? rtp + 1;
    const sender = new FfmpegProcess(
      ['-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=30`,
        '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k', '-g', '15',
        '-an', '-f', 'rtp', '-ssrc', String(SENDER_SSRC), '-payload_type', String(SENDER_PAYLOAD_TYPE),
        `rtp://${LOOPBACK_IP}:${rtp}?rtcpport=${rtcp}&pkt_size=1200`],
      logger.child({ process: 'loopback-sender' }),
    );
    processes.push(sender);
    await consumer.resume();

    const recorderExit = await recorder.waitForExit(20_000);
    if (recorderExit !== 0) {
      throw new Error(`the loopback recorder did not finish (${recorderExit ?? 'timed out'}): ${recorder.log || sender.log}`);
    }

    const probe = await runToCompletion('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0',
      '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', recordingPath]);
    const stream = (JSON.parse(probe.stdout) as { streams?: ProbedStream[] }).streams?.[0];
    if (!stream) throw new Error(`ffprobe found no video stream: ${probe.stderr}`);
    const decode = await runToCompletion('ffmpeg', ['-v', 'error', '-i', recordingPath, '-f', 'null', '-']);
    return {
      codec: stream.codec_name,
      width: stream.width,
      height: stream.height,
      framesDecoded: Number(stream.nb_read_frames),
      decodeErrors: decode.stderr.trim(),
      elapsedMs: Date.now() - started,
    };
  } finally {
    await Promise.all(processes.map((process) => process.stop()));
    for (const transport of transports) transport.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface ProbedStream {
  codec_name: string;
  width: number;
  height: number;
  nb_read_frames: string;
}

/**
 * Router capabilities trimmed for a plain RTP peer such as ffmpeg: no header
 * extensions and only NACK/PLI/FIR feedback, so mediasoup sends no transport-cc
 * probation packets that ffmpeg would take for media.
 */
export function plainRtpCapabilities(router: types.RtpCapabilities): types.RtpCapabilities {
  return {
    codecs: (router.codecs ?? []).map((codec) => ({
      ...codec,
      rtcpFeedback: (codec.rtcpFeedback ?? []).filter((fb) => fb.type === 'nack' || fb.type === 'ccm'),
    })),
    headerExtensions: [],
  };
}

function receiverSdp(port: number, payloadType: number, encodingName: string): string {
  return [
    'v=0',
    `o=- 0 0 IN IP4 ${LOOPBACK_IP}`,
    's=plenary-loopback',
    `c=IN IP4 ${LOOPBACK_IP}`,
    't=0 0',
    `m=video ${port} RTP/AVP ${payloadType}`,
    `a=rtcp:${port + 1}`,
    `a=rtpmap:${payloadType} ${encodingName}/90000`,
    'a=recvonly',
    '',
  ].join('\n');
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { types } from 'mediasoup';
import { FfmpegProcess, runToCompletion } from '../ffmpeg/process';
import { findFreeUdpPortPair, waitUntilUdpBound } from '../net/ports';
import { plainRtpCapabilities } from '../selftest/loopback';
import { testLogger } from './logger';

/** What a recording holds, frame by frame, as a viewer's decoder would see it. */
export interface RecordingAnalysis {
  /** Mean colour of each decoded frame. */
  colours: [number, number, number][];
  /** Presentation time of each decoded frame, seconds. */
  frameTimes: number[];
  /** Decode timestamps of the packets, in file order. */
  packetDts: number[];
  decodeErrors: string;
}

/**
 * Records a producer (video or audio) through a PlainTransport consumer into an
 * ffmpeg that copies the RTP stream into a Matroska file, for tests to analyse.
 */
export class RtpRecorder {
  private constructor(
    private readonly dir: string,
    private readonly path: string,
    private readonly transport: types.PlainTransport,
    private readonly ffmpeg: FfmpegProcess,
  ) {}

  static async start(router: types.Router, producer: types.Producer): Promise<RtpRecorder> {
    const dir = await mkdtemp(join(tmpdir(), 'plenary-recording-'));
    const port = await findFreeUdpPortPair('127.0.0.1');
    const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
    await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: plainRtpCapabilities(router.rtpCapabilities), paused: true });
    const codec = consumer.rtpParameters.codecs[0];
    const sdp = join(dir, 'in.sdp');
    const rtpmap = producer.kind === 'video' ? 'VP8/90000' : 'opus/48000/2';
    await writeFile(sdp, ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=recording', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=${producer.kind} ${port} RTP/AVP ${codec?.payloadType}`, `a=rtcp:${port + 1}`, `a=rtpmap:${codec?.payloadType} ${rtpmap}`, 'a=recvonly', ''].join('\n'));
    const path = join(dir, 'program.mkv');
    const ffmpeg = new FfmpegProcess(['-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-reorder_queue_size', '0', '-i', sdp, '-c', 'copy', '-y', path], testLogger);
    await waitUntilUdpBound(port, '127.0.0.1', 5000);
    await consumer.resume();
    return new RtpRecorder(dir, path, transport, ffmpeg);
  }

  /** Stops recording. */
  async stop(): Promise<void> {
    await this.ffmpeg.stop();
    this.transport.close();
  }

  /** Mean volume (dBFS) of an audio recording between two offsets in seconds (from its end if negative). */
  async meanVolume(from: number, duration: number): Promise<number> {
    const seek = from >= 0 ? ['-ss', String(from)] : ['-sseof', String(from)];
    const run = await runToCompletion('ffmpeg', ['-hide_banner', ...seek, '-t', String(duration), '-i', this.path, '-af', 'volumedetect', '-f', 'null', '-']);
    const match = /mean_volume: (-?[\d.]+|-inf) dB/.exec(run.stderr);
    return match?.[1] === '-inf' || !match ? -Infinity : Number(match[1]);
  }

  /** Stops recording and decodes what was recorded. */
  async finish(): Promise<RecordingAnalysis> {
    await this.stop();
    const [rgb, frames, packets, decode] = await Promise.all([
      runToCompletionRaw(['-v', 'error', '-i', this.path, '-vf', 'scale=1:1:flags=area,format=rgb24', '-f', 'rawvideo', '-']),
      runToCompletion('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', this.path]),
      runToCompletion('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=dts', '-of', 'csv=p=0', this.path]),
      runToCompletion('ffmpeg', ['-v', 'error', '-i', this.path, '-f', 'null', '-']),
    ]);
    const colours: [number, number, number][] = [];
    for (let i = 0; i + 2 < rgb.length; i += 3) colours.push([rgb[i] ?? 0, rgb[i + 1] ?? 0, rgb[i + 2] ?? 0]);
    const numbers = (text: string) => text.split('\n').map((line) => line.trim()).filter(Boolean).map(Number);
    return { colours, frameTimes: numbers(frames.stdout), packetDts: numbers(packets.stdout), decodeErrors: decode.stderr.trim() };
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** ffmpeg with binary stdout. */
async function runToCompletionRaw(args: string[]): Promise<Buffer> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', reject);
    child.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

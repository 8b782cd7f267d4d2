import { FOLLOWER_FRAGMENT_SECONDS } from '../hls/rendition';
import { RETRANSMISSION_WAIT_MS } from '../program/loss';

/** One video rendition of the broadcast. */
export interface Rung {
  name: string;
  width: number;
  height: number;
  /** Bits per second. */
  bitrate: number;
}

/** The renditions viewers can get; 1080p exists but is not in the default ladder. */
export const RUNGS: Record<string, Rung> = {
  '1080p': { name: '1080p', width: 1920, height: 1080, bitrate: 4_500_000 },
  '720p': { name: '720p', width: 1280, height: 720, bitrate: 2_500_000 },
  '480p': { name: '480p', width: 854, height: 480, bitrate: 1_200_000 },
  '360p': { name: '360p', width: 640, height: 360, bitrate: 600_000 },
  '240p': { name: '240p', width: 426, height: 240, bitrate: 300_000 },
};

export const DEFAULT_LADDER = ['720p', '480p', '360p'];
export const AUDIO_BITRATE = 96_000;
/** H.264 Main, level 3.1 (4.0 for 1080p): what every MSE and native HLS player takes. */
export const videoCodecs = (rung: Rung) => (rung.height > 720 ? 'avc1.4d4028' : 'avc1.4d401f');
export const AUDIO_CODECS = 'mp4a.40.2';

/** Parses "720p,480p,360p"; throws naming the unknown rung. */
export function parseLadder(text: string): Rung[] {
  return text.split(',').map((name) => {
    const rung = RUNGS[name.trim()];
    if (!rung) throw new TypeError(`unknown rendition "${name}" (known: ${Object.keys(RUNGS).join(', ')})`);
    return rung;
  });
}

/**
 * How an interpretation channel is mixed: the original (the program's two audio tracks) ducked
 * under the interpreter's voice by a compressor keyed on that voice, then the voice on top.
 * While the interpreter is silent or away (the feed carries silence), nothing keys the
 * compressor and the channel carries the original as it is: a listener never hears silence.
 * About 20 dB down under a voice at -12 dBFS; back up 0.3 s after the voice stops.
 */
const DUCKING = 'sidechaincompress=threshold=0.02:ratio=20:attack=5:release=300';

/**
 * ffmpeg arguments for the ladder: the program's video scaled to each rung and
 * encoded with aligned keyframes every 2 s, the two program audio tracks mixed
 * into one AAC track, one more per interpretation channel, each rendition written
 * as fragmented MP4 to its own pipe (fd 3, 4, ... in rung order; then the audio,
 * then the channels). The SDP lists the video, the two audio tracks, one
 * audio track per channel (its interpreter's feed), and with `pictureInPicture`
 * the sign-language picture last.
 */
export function ladderArgs(sdpPath: string, rungs: Rung[], partSeconds: number, channels = 0, pictureInPicture = false): string[] {
  // Waits for a lost video packet that the SFU asked the venue for again (RETRANSMISSION_WAIT_MS).
  const input = ['-protocol_whitelist', 'file,udp,rtp', '-reorder_queue_size', '64', '-max_delay', String(RETRANSMISSION_WAIT_MS * 1000), '-i', sdpPath];
  const interpreters = Array.from({ length: channels }, (_, i) => `[0:a:${2 + i}]`);
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', ...input, ...ladderOutputs(rungs, partSeconds, ['[0:v:0]', '[0:a:0]', '[0:a:1]'], interpreters, pictureInPicture ? '[0:v:1]' : undefined)];
}

/**
 * The program with a picture in its bottom-right corner (a sign-language interpreter): both
 * scaled to the top rung's frame, the corner a quarter of its width, 2.5 % in from the edges.
 * One extra decode; the switching underneath goes on in the program's own picture.
 */
function composed(video: string, corner: string, top: Rung): string {
  const fit = (w: number, h: number) => `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1`;
  const w = 2 * Math.round(top.width / 8);
  const h = 2 * Math.round(top.height / 8);
  const margin = Math.round(top.width / 40);
  return `${video}${fit(top.width, top.height)}[base];${corner}${fit(w, h)}[corner];[base][corner]overlay=W-w-${margin}:H-h-${margin}:eof_action=pass:repeatlast=1`;
}

/**
 * The encoding half of the ladder: filters and one fMP4 output per rendition on
 * pipes 3, 4, ... (audio, then the interpretation channels, last), from a video,
 * two audio stream labels and one per interpreter. Also used by the ladder speed
 * benchmark with synthetic inputs.
 */
export function ladderOutputs(rungs: Rung[], partSeconds: number, [video, audioA, audioB]: [string, string, string], interpreters: string[] = [], corner?: string): string[] {
  const split = rungs.map((_, i) => `[v${i}]`).join('');
  const picture = corner && rungs[0] ? `${composed(video, corner, rungs[0])},` : video;
  const scales = rungs.map((r, i) => `[v${i}]scale=${r.width}:${r.height}:force_original_aspect_ratio=decrease,pad=${r.width}:${r.height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30[o${i}]`);
  const originals = interpreters.map((_, i) => `[orig${i}]`).join('');
  const mix = `${audioA}${audioB}amix=inputs=2:duration=longest:normalize=0${interpreters.length > 0 ? `,asplit=${interpreters.length + 1}[a]${originals}` : '[a]'}`;
  const channels = interpreters.flatMap((voice, i) => [
    `${voice}asplit=2[key${i}][voice${i}]`,
    `[orig${i}][key${i}]${DUCKING}[bed${i}]`,
    `[bed${i}][voice${i}]amix=inputs=2:duration=longest:normalize=0[ch${i}]`,
  ]);
  // The sound has a filter graph of its own: ffmpeg builds a graph anew, losing its state and
  // its timestamps, whenever a frame into it changes size, as the picture does at a cut to a
  // camera of another resolution. Sharing the picture's graph, the audio renditions started
  // again at such cuts, and an interpretation channel's timestamps went back seconds for good.
  const args = ['-filter_complex', [`${picture}split=${rungs.length}${split}`, ...scales].join(';'), '-filter_complex', [mix, ...channels].join(';')];
  const fmp4 = (fragmentMicros: number) => ['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof+skip_trailer', '-frag_duration', String(fragmentMicros)];
  rungs.forEach((rung, i) => {
    args.push('-map', `[o${i}]`, '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'main',
      '-b:v', String(rung.bitrate), '-maxrate', String(rung.bitrate), '-bufsize', String(rung.bitrate), '-g', '60', '-keyint_min', '60',
      '-sc_threshold', '0', '-force_key_frames', 'expr:gte(t,n_forced*2)', '-an', ...fmp4(Math.round(partSeconds * 1e6)), `pipe:${3 + i}`);
  });
  // Audio comes in small fragments that the packager groups into parts at the video's part
  // boundaries (see PartAligner): AAC frames (21.3 ms) never end where video frames do.
  const audio = (label: string, pipe: number) => ['-map', label, '-c:a', 'aac', '-b:a', String(AUDIO_BITRATE), '-ar', '48000', '-vn', ...fmp4(Math.round(FOLLOWER_FRAGMENT_SECONDS * 1e6)), `pipe:${pipe}`];
  args.push(...audio('[a]', 3 + rungs.length));
  interpreters.forEach((_, i) => args.push(...audio(`[ch${i}]`, 4 + rungs.length + i)));
  return args;
}

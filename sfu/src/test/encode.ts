import { spawn } from 'node:child_process';

/** Ten seconds of ffmpeg's fMP4 as the ladder writes it (0.5 s fragments, 2 s GOPs), in the chunks the pipe gave. */
export function encodeLadderLike(): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-t', '10',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-f', 'mp4',
      '-movflags', 'frag_keyframe+empty_moov+default_base_moof+skip_trailer', '-frag_duration', '500000', 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    ffmpeg.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    ffmpeg.once('error', reject);
    ffmpeg.once('close', (code) => (code === 0 ? resolve(chunks) : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

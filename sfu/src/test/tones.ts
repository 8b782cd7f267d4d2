import { spawn } from 'node:child_process';

/** A media file's sound decoded to mono 48 kHz samples. */
export async function samples(file: string): Promise<Float32Array> {
  const pcm = await new Promise<Buffer>((resolve, reject) => {
    const ffmpeg = spawn('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-ar', '48000', '-f', 's16le', '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    ffmpeg.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    ffmpeg.once('error', reject);
    ffmpeg.once('close', () => resolve(Buffer.concat(chunks)));
  });
  const out = new Float32Array(pcm.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = pcm.readInt16LE(i * 2) / 32768;
  return out;
}

/** The amplitude of one frequency in 48 kHz samples (Goertzel): which venue's tone is heard, and how loud. */
export function level(x: Float32Array, hz: number): number {
  const w = (2 * Math.PI * hz) / 48000;
  const k = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s = v + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - k * s1 * s2))) / x.length;
}

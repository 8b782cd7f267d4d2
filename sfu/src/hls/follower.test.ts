import { spawn } from 'node:child_process';
import * as HLS from 'hls-parser';
import { encodeLadderLike } from '../test/encode';
import { BoxSplitter, readFragment, readInit } from './fmp4';
import { mediaPlaylist } from './playlist';
import { FOLLOWER_FRAGMENT_SECONDS, HlsRendition } from './rendition';

/** Ten seconds of a tone as the ladder's audio comes out of ffmpeg: AAC in fMP4 fragments of two frames. */
function encodeAudio(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '10',
      '-c:a', 'aac', '-b:a', '96k', '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof+skip_trailer',
      '-frag_duration', String(Math.round(FOLLOWER_FRAGMENT_SECONDS * 1e6)), 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    ffmpeg.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    ffmpeg.once('error', reject);
    ffmpeg.once('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

/** The audio's init segment and fragments, leaving out those that start within [holeFrom, holeTo) seconds. */
function withHole(audio: Buffer, holeFrom: number, holeTo: number): Buffer[] {
  const out: Buffer[] = [];
  let timescale = 1;
  let init: ReturnType<typeof readInit> | undefined;
  let moof: Buffer | undefined;
  for (const box of new BoxSplitter().push(audio)) {
    if (box.type === 'moov') {
      init = readInit(box.bytes);
      timescale = init.timescale;
    }
    if (box.type === 'moof') moof = box.bytes;
    else if (box.type === 'mdat' && moof && init) {
      const start = readFragment(moof, init).startTime / timescale;
      if (start < holeFrom || start >= holeTo) out.push(moof, box.bytes);
      moof = undefined;
    } else if (box.type !== 'moof') out.push(box.bytes);
  }
  return out;
}

describe('an audio rendition that follows the picture', () => {
  it('keeps its segment numbers consecutive through a hole in the audio: the missing segment is a gap', async () => {
    const [video, audio] = await Promise.all([encodeLadderLike(), encodeAudio()]);
    const leader = new HlsRendition('360p', { segmentTarget: 2, windowSegments: 10, firstMsn: 100 });
    const follower = new HlsRendition('audio', { segmentTarget: 2, windowSegments: 10, firstMsn: 100, follows: leader });
    try {
      // The encoder's audio stops for 0.6 s at 2.0 s (measured under load: a whole segment missing).
      for (const bytes of withHole(audio, 2.0, 2.6)) follower.write(bytes);
      for (const chunk of video) leader.write(chunk);

      // Segment 101 (2-4 s) has no audio: it is there, as a gap, and the numbers go on in step with the picture's.
      const numbers = follower.window.map((segment) => segment.msn);
      expect(numbers[0]).toBe(100);
      expect(numbers).toEqual(numbers.map((_, i) => 100 + i));
      expect(follower.segmentAt(101)).toMatchObject({ gap: true, parts: [], bytes: undefined });
      expect(follower.segmentAt(102)?.parts.length).toBeGreaterThan(0);

      // A player numbers segments by their place in the playlist: each place must name its own number.
      const text = mediaPlaylist(follower, { partTarget: 0.5, segmentTarget: 2 });
      const playlist = HLS.parse(text) as HLS.types.MediaPlaylist;
      playlist.segments.forEach((segment, i) => {
        if (segment.uri) expect(segment.uri).toBe(`segment-${(playlist.mediaSequenceBase ?? 0) + i}.m4s`);
      });
      const gap = playlist.segments.find((segment) => segment.uri === 'segment-101.m4s');
      expect(gap).toMatchObject({ gap: true, parts: [] });
      // It lasts as long as the picture's segment of that number, so the audio's timeline stays on the picture's.
      expect(gap?.duration).toBeCloseTo(leader.segmentAt(101)?.duration ?? 0, 3);
    } finally {
      follower.close();
      leader.close();
    }
  }, 60_000);
});

/** A venue named in the stream's speaker metadata (EXT-X-DATERANGE, class com.plenary.speaker). */
export interface Speaker {
  venueId: string;
  name: string | undefined;
}

/**
 * Follows who speaks in the picture on screen, frame by frame: `read` is asked at every frame
 * the video presents (and when its metadata cues change), and listeners hear of each change.
 * So the caption changes with the picture, not at the next poll.
 */
export class SpeakerFollower {
  current: Speaker | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly tracks = new Set<TextTrack>();
  private frame: number | undefined;
  private stopped = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly read: () => Speaker | undefined,
  ) {
    for (const track of Array.from(video.textTracks)) this.watch(track);
    video.textTracks.addEventListener('addtrack', this.onTrack);
    // Every presented frame where the browser tells (all current ones); else a few times a second.
    if (typeof video.requestVideoFrameCallback === 'function') this.frame = video.requestVideoFrameCallback(this.onFrame);
    else (video as HTMLVideoElement).addEventListener('timeupdate', this.look);
  }

  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.stopped = true;
    if (this.frame !== undefined) this.video.cancelVideoFrameCallback(this.frame);
    this.video.removeEventListener('timeupdate', this.look);
    this.video.textTracks.removeEventListener('addtrack', this.onTrack);
    for (const track of this.tracks) track.removeEventListener('cuechange', this.look);
    this.tracks.clear();
    this.listeners.clear();
  }

  private readonly onFrame = () => {
    if (this.stopped) return;
    this.look();
    this.frame = this.video.requestVideoFrameCallback(this.onFrame);
  };

  private readonly onTrack = (event: TrackEvent) => {
    if (event.track instanceof TextTrack) this.watch(event.track);
  };

  private watch(track: TextTrack): void {
    if (track.kind !== 'metadata' || this.tracks.has(track)) return;
    // Cues of a disabled track never become active; hidden ones do without being drawn.
    if (track.mode === 'disabled') track.mode = 'hidden';
    this.tracks.add(track);
    track.addEventListener('cuechange', this.look);
  }

  private readonly look = () => {
    const next = this.read();
    if (next?.venueId === this.current?.venueId && next?.name === this.current?.name) return;
    this.current = next;
    for (const listener of this.listeners) listener();
  };
}

/**
 * Who speaks, from the video's metadata cues: the browser's own HLS (Safari) turns each speaker
 * range into cues (one per attribute, the range's id) active from its start to the next one's
 * (END-ON-NEXT). The latest range active now.
 */
export function speakerFromCues(video: HTMLVideoElement): Speaker | undefined {
  const ranges = new Map<string, { start: number; speaker: Speaker }>();
  for (const track of Array.from(video.textTracks)) {
    if (track.kind !== 'metadata') continue;
    for (const cue of Array.from(track.activeCues ?? [])) {
      const value = (cue as TextTrackCue & { value?: { key?: string; data?: unknown } }).value;
      if (!cue.id.startsWith('speaker-') || !value) continue;
      const range = ranges.get(cue.id) ?? { start: cue.startTime, speaker: { venueId: '', name: undefined } };
      ranges.set(cue.id, range);
      if (value.key === 'X-VENUE-ID') range.speaker.venueId = String(value.data);
      if (value.key === 'X-VENUE-NAME') range.speaker.name = String(value.data);
    }
  }
  return [...ranges.values()].sort((a, b) => b.start - a.start)[0]?.speaker;
}

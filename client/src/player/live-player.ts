// The full build: the light one has no subtitles (the captions channels are WebVTT renditions).
import Hls from 'hls.js';
import { SpeakerFollower, speakerFromCues, type Speaker } from './speaker';

/** A live broadcast playing in a <video>, recovering from errors by itself. */
export interface LivePlayer {
  /** Seconds behind the live edge as hls.js estimates it (undefined on native HLS). */
  readonly latency: number | undefined;
  /** The latency hls.js aims for: PART-HOLD-BACK, raised after stalls (undefined on native HLS). */
  readonly targetLatency: number | undefined;
  /** Wall-clock time (ms) of the frame on screen, from the stream's program date times. */
  readonly playingDate: number | undefined;
  /** Who speaks in the picture being shown, from the stream's timed metadata (EXT-X-DATERANGE). */
  readonly speaker: Speaker | undefined;
  /** Calls `listener` when the speaker shown changes (as the picture does); returns how to stop. */
  onSpeaker(listener: () => void): () => void;
  /** The renditions, best first as listed; empty on native HLS. */
  readonly levels: { index: number; height: number; bitrate: number }[];
  /** The rendition chosen by the viewer, or -1 for automatic. */
  readonly chosenLevel: number;
  chooseLevel(index: number): void;
  /** The captions channels (WebVTT subtitles renditions); empty on native HLS, which has its own menu. */
  readonly captions: { index: number; language: string; name: string }[];
  /** The captions shown, or -1 for none (the default). */
  readonly chosenCaptions: number;
  chooseCaptions(index: number): void;
  /** The sound: the original (first, the default) and each interpretation channel; empty on native HLS, which has its own menu. */
  readonly audioTracks: { index: number; language: string; name: string; original: boolean }[];
  readonly chosenAudio: number;
  chooseAudio(index: number): void;
  /** Plays from a position of a recording (seconds from its start), e.g. a speech's chapter. */
  seek(seconds: number): void;
  /** Where playback is (seconds from the start of what plays) and how far one may seek (undefined before the first playlist). */
  readonly position: { at: number; end: number } | undefined;
  /** True when playback is well behind the live edge (paused, or stalled and resumed). */
  readonly behindLive: boolean;
  goLive(): void;
  /** True while a fatal network or media error is being recovered. */
  readonly troubled: boolean;
  /** Fatal errors so far (each recovered by the player itself): what a viewer would have had to reload for. */
  readonly fatalErrors: number;
  /** What the last fatal error was (hls.js's details and the URL), for diagnosis. */
  readonly lastFatalError: string | undefined;
  destroy(): void;
}

/** The hls.js settings the watch page plays with (the glass-to-glass benchmark can try others). */
export interface HlsTuning {
  maxLiveSyncPlaybackRate: number;
  liveSyncOnStallIncrease: number;
  backBufferLength: number;
}

/** How far (s) behind its target a starting player may be before it jumps to the live position rather than catching up. */
const START_CATCH_UP_S = 0.5;

/** How long playback may stand still (not paused) before the player looks for the stream again (a rebuilt broadcast: parts are back within about 2 s). */
const STALL_RESYNC_MS = 2000;

const PLAYER_TUNING: HlsTuning = { maxLiveSyncPlaybackRate: 1.5, liveSyncOnStallIncrease: 1, backBufferLength: 30 };

/**
 * Plays the LL-HLS broadcast at `url` in `video`: hls.js in low-latency mode
 * (with a catch-up rate, without which it never closes the gap to the live
 * edge), or the browser's own HLS where hls.js cannot run (iOS Safari). Network
 * errors reload, media errors recover; the viewer never has to reload the page.
 */
export function playLive(video: HTMLVideoElement, url: string, options: { lowLatency?: boolean; startPosition?: number; tuning?: Partial<HlsTuning> } = {}): LivePlayer {
  if (!Hls.isSupported()) {
    // The browser's own HLS exposes the speaker ranges only as metadata cues (Safari times them on its own timeline).
    const speakers = new SpeakerFollower(video, () => speakerFromCues(video));
    video.src = url;
    void video.play().catch(() => undefined);
    return {
      latency: undefined, targetLatency: undefined, playingDate: undefined, get speaker() { return speakers.current; }, onSpeaker: (listener) => speakers.listen(listener),
      levels: [], chosenLevel: -1, chooseLevel: () => undefined,
      captions: [], chosenCaptions: -1, chooseCaptions: () => undefined, audioTracks: [], chosenAudio: -1, chooseAudio: () => undefined, seek: (seconds) => (video.currentTime = seconds), get position() { return positionOf(video); },
      behindLive: false, goLive: () => undefined, troubled: false, fatalErrors: 0, lastFatalError: undefined,
      destroy: () => {
        speakers.stop();
        video.removeAttribute('src');
      },
    };
  }
  const hls: Hls = new Hls({ lowLatencyMode: options.lowLatency ?? true, ...(options.startPosition !== undefined ? { startPosition: options.startPosition } : {}), ...PLAYER_TUNING, ...options.tuning });
  let troubled = false;
  let fatalErrors = 0;
  let lastFatalError: string | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    troubled = true;
    fatalErrors++;
    // What hls.js said, with its reason when it gives one (a playlist's parsing error names the segment).
    lastFatalError = `${data.details} ${data.response?.code ?? ''} ${data.frag?.url ?? (data as { url?: string }).url ?? ''} ${data.reason ?? ''}`.replace(/\s+/g, ' ').trim();
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
    else {
      clearTimeout(retry);
      retry = setTimeout(() => hls.startLoad(), 1000);
    }
  });
  hls.on(Hls.Events.FRAG_BUFFERED, () => {
    troubled = false;
  });
  // Playback standing still while it should play: the stream went on elsewhere (a new timeline after
  // another server took the broadcast over, seconds ahead) and hls.js kept waiting for the old one.
  // Jump to what is buffered ahead, or load again from the live edge; no error, no page reload.
  let lastTime = -1;
  let stillSince = Date.now();
  // Playback starts on the keyframe before hls.js's start position (up to a segment further back),
  // and hls.js then closes the gap by playing faster: 3-5 s before a new viewer is live. Once the
  // media up to the live position is buffered, jump there instead (the browser decodes from the
  // keyframe it has: no new request, no stall). Only while starting; after that hls.js keeps it.
  let startingUntil = options.lowLatency === false ? 0 : Date.now() + 10_000;
  const joinLive = () => {
    if (Date.now() > startingUntil || video.paused || video.readyState < 3) return;
    const live = hls.liveSyncPosition;
    const goal = hls.targetLatency;
    if (live === null || goal === null || hls.latency - goal < START_CATCH_UP_S) return;
    const end = video.buffered.length > 0 ? video.buffered.end(video.buffered.length - 1) : 0;
    if (end < live + 0.1) return;
    video.currentTime = live;
    startingUntil = 0;
  };
  video.addEventListener('playing', joinLive);
  hls.on(Hls.Events.FRAG_BUFFERED, joinLive);
  const watchdog = setInterval(() => {
    joinLive();
    if (video.paused || video.currentTime !== lastTime || video.readyState === 0) {
      lastTime = video.currentTime;
      stillSince = Date.now();
      return;
    }
    if (Date.now() - stillSince < STALL_RESYNC_MS) return;
    stillSince = Date.now();
    const ahead = [...Array(video.buffered.length).keys()].map((i) => video.buffered.start(i)).find((start) => start > video.currentTime);
    if (ahead !== undefined) video.currentTime = ahead;
    else {
      hls.stopLoad();
      hls.startLoad();
    }
  }, 500);
  // Who speaks in the frame on screen: each presented frame's program date time against the
  // speaker ranges of the playlist. (hls.js's metadata cues for them are placed on estimated
  // fragment times and were seen active 1-4 s before the picture changed.)
  const speakers = new SpeakerFollower(video, () => speakerFromRanges(hls));
  hls.attachMedia(video);
  hls.loadSource(url);
  hls.on(Hls.Events.MANIFEST_PARSED, () => void video.play().catch(() => undefined));
  return {
    get latency() {
      return hls.latency;
    },
    get targetLatency() {
      return hls.targetLatency ?? undefined;
    },
    get playingDate() {
      return hls.playingDate?.getTime();
    },
    get speaker() {
      return speakers.current;
    },
    onSpeaker: (listener) => speakers.listen(listener),
    get levels() {
      return hls.levels.map((level, index) => ({ index, height: level.height, bitrate: level.bitrate }));
    },
    get chosenLevel() {
      return hls.autoLevelEnabled ? -1 : hls.nextLoadLevel;
    },
    chooseLevel(index: number) {
      // -1 hands the choice back to hls.js's bandwidth estimate.
      hls.nextLevel = index;
    },
    get captions() {
      return hls.subtitleTracks.map((track, index) => ({ index, language: track.lang ?? '', name: track.name }));
    },
    get chosenCaptions() {
      return hls.subtitleTrack;
    },
    chooseCaptions(index: number) {
      // hls.js loads the chosen channel's parts alongside the picture and shows them on the video.
      hls.subtitleDisplay = index >= 0;
      hls.subtitleTrack = index;
    },
    get audioTracks() {
      return hls.audioTracks.map((track, index) => ({ index, language: track.lang ?? '', name: track.name, original: track.default }));
    },
    get chosenAudio() {
      return hls.audioTrack;
    },
    chooseAudio(index: number) {
      // hls.js switches the audio rendition at the next part: the same numbers, the same times.
      hls.audioTrack = index;
    },
    seek(seconds: number) {
      video.currentTime = seconds;
      void video.play().catch(() => undefined);
    },
    get position() {
      return positionOf(video);
    },
    get behindLive() {
      const edge = hls.liveSyncPosition;
      const target = hls.targetLatency ?? 3;
      return edge !== null && edge - video.currentTime > target + 3;
    },
    goLive() {
      startingUntil = Date.now() + 10_000;
      const edge = hls.liveSyncPosition;
      if (edge !== null) video.currentTime = edge;
      void video.play().catch(() => undefined);
    },
    get troubled() {
      return troubled;
    },
    get fatalErrors() {
      return fatalErrors;
    },
    get lastFatalError() {
      return lastFatalError;
    },
    destroy: () => {
      speakers.stop();
      video.removeEventListener('playing', joinLive);
      clearTimeout(retry);
      clearInterval(watchdog);
      hls.destroy();
    },
  };
}

function positionOf(video: HTMLVideoElement): { at: number; end: number } | undefined {
  const { seekable } = video;
  return seekable.length > 0 ? { at: video.currentTime, end: seekable.end(seekable.length - 1) } : undefined;
}

/** The latest speaker range of the playing level that started at or before the frame on screen. */
function speakerFromRanges(hls: Hls): Speaker | undefined {
  const shown = hls.playingDate?.getTime();
  const details = hls.levels[hls.currentLevel]?.details;
  if (shown === undefined || !details) return undefined;
  let current: (Speaker & { at: number }) | undefined;
  for (const range of Object.values(details.dateRanges)) {
    if (!range || range.class !== 'com.plenary.speaker') continue;
    const at = range.startDate.getTime();
    if (at <= shown && (!current || at > current.at)) current = { venueId: String(range.attr['X-VENUE-ID'] ?? ''), name: range.attr['X-VENUE-NAME'], at };
  }
  return current && { venueId: current.venueId, name: current.name };
}


import type { SentLayer } from '@plenary/shared';
import { VenueSession, type ReceiveTarget } from './venue-session';
import { playLive, type HlsTuning, type LivePlayer } from '../player/live-player';

/**
 * Drives a venue session from outside the page (browser tests, the devtools
 * console): join by link, publish the camera and microphone, play the program,
 * and read how many frames have been decoded.
 */
let current: VenueSession | undefined;

/** Plays the target's video in one <video>, also after the server rebuilt the media. */
function playWhatArrives(session: VenueSession, target: ReceiveTarget): void {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  document.body.append(video);
  session.onTrackFor(target, (track) => {
    video.srcObject = new MediaStream([track]);
    void video.play();
  });
}

/** Joins as the venue of a join-link token, publishes getUserMedia, and plays the program. */
export async function joinAsVenue(url: string, token: string): Promise<void> {
  const session = new VenueSession(url, { token });
  await session.connected();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
  await session.publish(stream);
  playWhatArrives(session, { program: 'video' });
  await session.receive({ program: 'video' });
  current = session;
}

/** Video frames decoded so far by the session's current receiving transport. */
export async function framesDecoded(): Promise<number> {
  let frames = 0;
  (await current?.receiveStats())?.forEach((report: { type: string; kind?: string; framesDecoded?: number }) => {
    if (report.type === 'inbound-rtp' && report.kind === 'video') frames += report.framesDecoded ?? 0;
  });
  return frames;
}

/** What the joined venue's camera sends, layer by layer: how the browser answers a lossy link. */
export async function sentVideo(): Promise<SentLayer[]> {
  const layers: SentLayer[] = [];
  (await current?.sendStats())?.forEach((report: Partial<SentLayer> & { type: string; kind?: string }) => {
    if (report.type !== 'outbound-rtp' || report.kind !== 'video') return;
    layers.push({
      rid: report.rid ?? '', framesEncoded: report.framesEncoded ?? 0, frameHeight: report.frameHeight ?? 0, bytesSent: report.bytesSent ?? 0,
      nackCount: report.nackCount ?? 0, retransmittedPacketsSent: report.retransmittedPacketsSent ?? 0, pliCount: report.pliCount ?? 0,
      qualityLimitationReason: report.qualityLimitationReason ?? '',
    });
  });
  return layers.sort((a, b) => a.rid.localeCompare(b.rid));
}

/** How a transport's media goes now: the local end of its selected ICE pair (a relay, over which protocol, or direct). */
type MediaPath = { candidateType: string; protocol: string; relayProtocol?: string } | undefined;

function selectedPath(report: RTCStatsReport | undefined): MediaPath {
  if (!report) return undefined;
  const all = [...report.values()] as { type: string; id: string; selectedCandidatePairId?: string; localCandidateId?: string; candidateType?: string; protocol?: string; relayProtocol?: string }[];
  const pairId = all.find((r) => r.type === 'transport')?.selectedCandidatePairId;
  const local = all.find((r) => r.id === all.find((p) => p.id === pairId)?.localCandidateId);
  return local && { candidateType: local.candidateType ?? '', protocol: local.protocol ?? '', relayProtocol: local.relayProtocol };
}

/** The paths the joined venue's media take, publishing and receiving. */
export async function mediaPaths(): Promise<{ send: MediaPath; receive: MediaPath }> {
  return { send: selectedPath(await current?.sendStats()), receive: selectedPath(await current?.receiveStats()) };
}

/**
 * Opens the presider's view of one venue: a thumbnail (simulcast layer 0) or the
 * venue in focus (the top layer), as the presider console will.
 */
export async function watchVenueAsPresider(url: string, conferenceId: string, hostSecret: string, venueId: string, layer: number): Promise<void> {
  const session = new VenueSession(url, { conferenceId, hostSecret });
  await session.connected();
  playWhatArrives(session, { venueId, kind: 'video' });
  await session.receive({ venueId, kind: 'video' }, layer);
  current = session;
}

/** The size of the picture the page shows, as decoded. */
export function videoSize(): { width: number; height: number } {
  const video = document.querySelector('video');
  return { width: video?.videoWidth ?? 0, height: video?.videoHeight ?? 0 };
}

let player: LivePlayer | undefined;
/** Times playback stopped to wait for media after it first played (a stall a viewer sees). */
let stalls = 0;

/** Plays the broadcast in a new muted <video>, as the watch page will. */
export function watchBroadcast(url: string, lowLatency = true, tuning: Partial<HlsTuning> = {}): void {
  const video = document.createElement('video');
  video.id = 'broadcast';
  video.muted = true;
  video.playsInline = true;
  document.body.append(video);
  stalls = 0;
  let played = false;
  video.addEventListener('playing', () => (played = true));
  video.addEventListener('waiting', () => played && stalls++);
  player = playLive(video, url, { lowLatency, tuning });
}

/** What the viewer sees: frames shown so far, playback position, hls.js latency, and the picture's mean colour. */
export function broadcastState(): {
  frames: number;
  currentTime: number;
  latency: number | undefined;
  targetLatency: number | undefined;
  /** Now minus the program date time of the frame on screen, ms: glass to glass from the program's entry. */
  behindMs: number | undefined;
  speaker: string | undefined;
  colour: [number, number, number];
  /** hls.js fatal errors so far (the player recovered each by itself). */
  fatalErrors: number;
  lastFatalError: string | undefined;
  stalls: number;
} {
  const video = document.getElementById('broadcast') as HTMLVideoElement | null;
  const frames = video?.getVideoPlaybackQuality().totalVideoFrames ?? 0;
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 18;
  const context = canvas.getContext('2d');
  let colour: [number, number, number] = [0, 0, 0];
  if (video && context && video.videoWidth > 0) {
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const sum = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) (sum[c] as number) += data[i + c] as number;
    const n = data.length / 4;
    colour = [Math.round((sum[0] as number) / n), Math.round((sum[1] as number) / n), Math.round((sum[2] as number) / n)];
  }
  const shown = player?.playingDate;
  return { frames, currentTime: video?.currentTime ?? 0, latency: player?.latency, targetLatency: player?.targetLatency, behindMs: shown === undefined ? undefined : Date.now() - shown, speaker: player?.speaker?.name, colour, fatalErrors: player?.fatalErrors ?? 0, lastFatalError: player?.lastFatalError, stalls };
}

/** When the broadcast's picture moved since the last take. */
export interface PictureMoves {
  /** Page clock (ms) of each presented picture that differs from the one before. */
  moves: number[];
  /** The page's clock at the take, ms. */
  now: number;
}

let moves: number[] = [];

/** Pixels (of 160x90) that must change for a picture to count as moved: more than a codec's noise. */
const MOVED_PIXELS = 4;

/**
 * Starts noting when the broadcast's picture moves (watchBroadcast first): each presented frame
 * is drawn small and compared with the one before; a few pixels whose green changed by more
 * than `movedLevels` make a move (a clock ticking or a mouth moving is a small part of a
 * picture). The ladder encodes a constant frame rate (it repeats the last picture while a venue
 * sends nothing), so a frozen broadcast still presents frames: a freeze shows only in the pictures.
 */
export function trackPictureMoves(movedLevels: number): void {
  const video = document.getElementById('broadcast') as HTMLVideoElement;
  const canvas = document.createElement('canvas');
  canvas.width = 160;
  canvas.height = 90;
  const context = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  let previous: Uint8ClampedArray | undefined;
  const onFrame = (now: number) => {
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    if (previous) {
      let changed = 0;
      for (let i = 1; i < data.length; i += 4) if (Math.abs((data[i] as number) - (previous[i] as number)) > movedLevels) changed++;
      if (changed >= MOVED_PIXELS) moves.push(now);
    }
    previous = data;
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}

/** What trackPictureMoves saw since the last take; counting starts afresh. */
export function takePictureMoves(): PictureMoves {
  const taken = { moves, now: performance.now() };
  moves = [];
  return taken;
}

import { VenueSession } from './venue-session';

/**
 * Drives a venue session from outside the page (browser tests, the devtools
 * console): join by link, publish the camera and microphone, play the program,
 * and read how many frames have been decoded.
 */
let current: VenueSession | undefined;

/** Plays every video track the session receives in one <video>, also after the server rebuilt the media. */
function playWhatArrives(session: VenueSession): void {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  document.body.append(video);
  session.onTrack = (_target, track) => {
    video.srcObject = new MediaStream([track]);
    void video.play();
  };
}

/** Joins as the venue of a join-link token, publishes getUserMedia, and plays the program. */
export async function joinAsVenue(url: string, token: string): Promise<void> {
  const session = new VenueSession(url, { token });
  await session.connected();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
  await session.publish(stream);
  playWhatArrives(session);
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

/**
 * Opens the presider's view of one venue: a thumbnail (simulcast layer 0) or the
 * venue in focus (the top layer), as the presider console will.
 */
export async function watchVenueAsPresider(url: string, conferenceId: string, hostSecret: string, venueId: string, layer: number): Promise<void> {
  const session = new VenueSession(url, { conferenceId, hostSecret });
  await session.connected();
  playWhatArrives(session);
  await session.receive({ venueId, kind: 'video' }, layer);
  current = session;
}

/** The size of the picture the page shows, as decoded. */
export function videoSize(): { width: number; height: number } {
  const video = document.querySelector('video');
  return { width: video?.videoWidth ?? 0, height: video?.videoHeight ?? 0 };
}

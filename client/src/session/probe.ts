import { VenueSession } from './venue-session';

/**
 * Drives a venue session from outside the page (browser tests, the devtools
 * console): join by link, publish the camera and microphone, play the program,
 * and read how many frames have been decoded.
 */
let current: VenueSession | undefined;

/** Joins as the venue of a join-link token, publishes getUserMedia, and plays the program. */
export async function joinAsVenue(url: string, token: string): Promise<void> {
  const session = new VenueSession(url, { token });
  await session.connected();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
  await session.publish(stream);
  const program = await session.receive({ program: 'video' });
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([program.track]);
  document.body.append(video);
  await video.play();
  current = session;
}

/** Video frames decoded so far by the session's receiving transport. */
export async function framesDecoded(): Promise<number> {
  let frames = 0;
  (await current?.receiveStats())?.forEach((report: { type: string; kind?: string; framesDecoded?: number }) => {
    if (report.type === 'inbound-rtp' && report.kind === 'video') frames += report.framesDecoded ?? 0;
  });
  return frames;
}

// The session as a browser script (bundled with esbuild): exposes it on `window.plenary`.
export { VenueSession, SessionError } from './venue-session';
export { joinAsVenue, framesDecoded, watchVenueAsPresider, videoSize, watchBroadcast, broadcastState, mediaPaths, sentVideo, trackPictureMoves, takePictureMoves } from './probe';

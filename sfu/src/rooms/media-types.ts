import type { types } from 'mediasoup';
import type { Rgb } from '../simulated/venue';

// The shapes a conference room hands out: what a browser needs for its transports and
// consumers, what it may receive, and what it takes to publish a simulated venue again.

/** What a browser needs to set up its side of a WebRTC transport. */
export interface TransportInfo {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

/** What a browser needs to receive a consumer (created paused; resume when ready). */
export interface ConsumerInfo {
  id: string;
  producerId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
}

/** What a venue may receive: the program, or one venue's camera or microphone (the protocol's own type). */
export type { ConsumeTarget } from '@plenary/shared';

/** What it takes to publish a simulated venue (or interpreter: an interpretation channel's id) again (after its worker died). */
export interface SimulatedVenueSpec {
  venueId: string;
  name: string;
  colour: Rgb;
  /** The tone it plays, so who is heard can be told apart (a venue's default: 440 Hz; an interpreter's: 660 Hz). */
  toneHz?: number;
}

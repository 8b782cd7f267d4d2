import { z } from 'zod';
import type { ConferenceState } from '../conference/state';
import type { VersionedEvent } from '../conference/events';
import type { Actor } from '../conference/actors';
import { captionChannelIdSchema, conferenceIdSchema, interpretationChannelIdSchema, venueIdSchema } from './commands';

/**
 * How a socket proves who it is, in the Socket.io handshake `auth`: the
 * presider with the conference's host secret, an operator with its venue's
 * join link token, an interpreter with its channel's interpreter link token.
 */
// socket.io-client adds these when it tries to recover a session after a disconnect.
const recovery = { pid: z.string().max(64).optional(), offset: z.string().max(64).optional() };

export const handshakeAuthSchema = z.union([
  z
    .object({
      conferenceId: conferenceIdSchema,
      hostSecret: z.string().min(16).max(128),
      ...recovery,
    })
    .strict(),
  z.object({ token: z.string().min(16).max(2048), ...recovery }).strict(),
]);
export type HandshakeAuth = z.infer<typeof handshakeAuthSchema>;

export const joinLinkRequestSchema = z.object({ venueId: venueIdSchema }).strict();
export const captionerLinkRequestSchema = z.object({ channelId: captionChannelIdSchema }).strict();
export const interpreterLinkRequestSchema = z.object({ channelId: interpretationChannelIdSchema }).strict();

/** A channel's link: a captions channel's captioner link, an interpretation channel's interpreter link. */
export interface ChannelLink {
  channelId: string;
  url: string;
  expiresAt: string;
}
/** A captions channel's captioner link (the presider hands it to a stenographer). */
export type CaptionerLink = ChannelLink;
/** An interpretation channel's interpreter link. */
export type InterpreterLink = ChannelLink;

/** A venue's join link as the presider copies it. */
export interface JoinLink {
  venueId: string;
  url: string;
  expiresAt: string;
}

/** Who this socket is, sent with every snapshot so the client knows what it may do. */
export interface Identity {
  conferenceId: string;
  actor: Actor;
}

/** The full state at a version: sent on connect and on request. */
export interface Snapshot {
  identity: Identity;
  state: ConferenceState;
}

/** A TURN server a venue may relay through, with short-lived credentials (RTCIceServer's shape). */
export interface IceServerInfo {
  urls: string[];
  username: string;
  credential: string;
}

/** A WebRTC transport as the browser sets it up (mediasoup's shapes, opaque here). */
export interface MediaTransportInfo {
  id: string;
  iceParameters: unknown;
  iceCandidates: unknown[];
  dtlsParameters: unknown;
  /** The TURN servers to relay through when the SFU cannot be reached directly; absent when none is configured. */
  iceServers?: IceServerInfo[];
}

/** A paused consumer as the browser receives it. */
export interface MediaConsumerInfo {
  id: string;
  producerId: string;
  kind: 'audio' | 'video';
  rtpParameters: unknown;
}

/** Media health of one venue's producer, for the presider's tiles. */
export interface VenueMediaStats {
  venueId: string;
  kind: 'audio' | 'video';
  /** Incoming bits per second. */
  bitrate: number;
  packetsLost: number;
  fractionLost: number;
  /** mediasoup's 0-10 quality score of the incoming stream. */
  score: number;
  roundTripTime: number | undefined;
}

/** What the server sends. */
export interface ServerToClientEvents {
  snapshot: (snapshot: Snapshot) => void;
  event: (event: VersionedEvent) => void;
  /** The conference's media was rebuilt (a media worker died): set up transports and publish again. */
  mediaReset: () => void;
  /**
   * A venue this client receives stopped publishing that stream (its sender restarted, its
   * browser published anew): the consumer is gone; receive the venue again to get the new one.
   */
  consumerClosed: (notice: { consumerId: string }) => void;
  /**
   * The program holds this venue's picture on a lower simulcast layer, because its top layer
   * failed on the venue's link: send no layer above `maxSpatialLayer` (null: every layer again)
   * until told otherwise. Each retry of the top layer crowded the link and froze the broadcast.
   */
  sendLayers: (notice: { maxSpatialLayer: number | null }) => void;
  /** This server process is shutting down (a restart or deploy): reconnect; the conference goes on. */
  serverClosing: () => void;
}

/** Between server processes (Redis adapter): stored events, so every process's media plane follows. */
export interface InterServerEvents {
  conferenceEvents: (events: VersionedEvent[]) => void;
}

/** What the server keeps on each socket after the handshake. */
export interface SocketData {
  conferenceId: string;
  actor: Actor;
  /** An operator's join link version (an interpreter's link version): the socket's standing ends when the link is replaced. */
  linkVersion?: number;
}

/** Socket.io room names, shared by server processes. */
export const rooms = {
  conference: (conferenceId: string) => `conf:${conferenceId}`,
  venue: (conferenceId: string, venueId: string) => `venue:${conferenceId}:${venueId}`,
};

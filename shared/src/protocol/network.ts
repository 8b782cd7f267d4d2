/**
 * When a venue's link is poor enough that giving it the floor risks a frozen
 * broadcast: more than 5 % of its packets lost, or more than 400 ms round trip.
 * One rule for the presider's console (the SFU's view of each venue) and the
 * venue's own page (its browser's view of what the SFU reported back).
 */
export const POOR_NETWORK = { lossPercent: 5, roundTripMs: 400 } as const;

/** A link's health now: the share of packets lost, percent, and the round trip, ms (unknown until measured). */
export interface NetworkHealth {
  lossPercent: number;
  roundTripMs: number | undefined;
}

export function isPoorNetwork(health: NetworkHealth | undefined): boolean {
  if (!health) return false;
  return health.lossPercent > POOR_NETWORK.lossPercent || (health.roundTripMs ?? 0) > POOR_NETWORK.roundTripMs;
}

/** The SFU's view of a venue's stream (mediasoup's RTCP fraction lost is out of 256). */
export function healthOfStream(stats: { fractionLost: number; roundTripTime: number | undefined } | undefined): NetworkHealth | undefined {
  return stats && { lossPercent: (stats.fractionLost / 256) * 100, roundTripMs: stats.roundTripTime };
}

/**
 * One simulcast layer of a venue's camera as its browser sends it (its WebRTC statistics,
 * cumulative): how the browser answers a lossy link. Read by the browser tests and benchmarks.
 */
export interface SentLayer {
  rid: string;
  framesEncoded: number;
  frameHeight: number;
  bytesSent: number;
  /** Lost packets the SFU asked for again, and how many the browser resent. */
  nackCount: number;
  retransmittedPacketsSent: number;
  /** Keyframes the SFU asked for (PLI). */
  pliCount: number;
  /** Why the browser sends less than it could: 'bandwidth', 'cpu' or 'none'. */
  qualityLimitationReason: string;
}

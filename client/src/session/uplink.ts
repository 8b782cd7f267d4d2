import type { NetworkHealth } from '@plenary/shared';

/**
 * A venue's uplink as its own browser sees it: what the SFU reported back about
 * the streams it receives from us (RTCP receiver reports: remote-inbound-rtp),
 * the worst of the simulcast layers' loss, and the round trip. Undefined until
 * the SFU has reported.
 */
export function uplinkHealth(report: RTCStatsReport | undefined): NetworkHealth | undefined {
  if (!report) return undefined;
  const remote = [...report.values()].filter((r: { type: string; kind?: string }) => r.type === 'remote-inbound-rtp' && r.kind === 'video') as { fractionLost?: number; roundTripTime?: number }[];
  if (remote.length === 0) return undefined;
  const lossPercent = Math.max(...remote.map((r) => (r.fractionLost ?? 0) * 100));
  const trips = remote.flatMap((r) => (r.roundTripTime === undefined ? [] : [r.roundTripTime * 1000]));
  return { lossPercent, roundTripMs: trips.length > 0 ? Math.max(...trips) : undefined };
}

import { useEffect, useState, useSyncExternalStore } from 'react';
import type { NetworkHealth } from '@plenary/shared';
import type { ReceiveTarget, VenueSession } from '../../session/venue-session';
import { uplinkHealth } from '../../session/uplink';

/** Re-renders on every change of the session's conference state or connection status. */
export function useSessionRevision(session: VenueSession | undefined): number {
  return useSyncExternalStore(
    (listener) => session?.subscribe(listener) ?? (() => undefined),
    () => session?.revision ?? -1,
  );
}

/**
 * A track the session receives for as long as the component wants it. The
 * session receives it again by itself (a venue that has not published yet, a
 * source that restarted, media rebuilt); a new `epoch` (e.g. the venue came
 * back) asks again at once.
 */
export function useReceivedTrack(
  session: VenueSession | undefined,
  target: ReceiveTarget | undefined,
  layer?: number,
  epoch?: unknown,
): MediaStreamTrack | undefined {
  const [track, setTrack] = useState<MediaStreamTrack>();
  const key = target === undefined ? undefined : JSON.stringify(target);
  useEffect(() => {
    if (!session || !target) return;
    let stopped = false;
    // Every track, the first and each one after a fault, comes through here.
    const unsubscribe = session.onTrackFor(target, (next) => !stopped && setTrack(next));
    // Refused for good (not this role's to see) or stopped: the tile stays empty.
    session.receive(target, layer).catch(() => undefined);
    return () => {
      stopped = true;
      unsubscribe();
      session.stopReceiving(target);
      setTrack(undefined);
    };
    // `key` stands for `target`, whose object identity changes every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session, key, layer, epoch]);
  return track;
}

/** This venue's uplink health, from its browser's own statistics, every 2 s while the session lasts. */
export function useUplinkHealth(session: VenueSession): NetworkHealth | undefined {
  const [health, setHealth] = useState<NetworkHealth>();
  useEffect(() => {
    const timer = setInterval(() => void session.sendStats().then((report) => setHealth(uplinkHealth(report)), () => undefined), 2000);
    return () => clearInterval(timer);
  }, [session]);
  return health;
}

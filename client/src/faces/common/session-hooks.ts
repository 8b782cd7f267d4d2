import { useEffect, useState, useSyncExternalStore } from 'react';
import type { ReceiveTarget, VenueSession } from '../../session/venue-session';

/** Re-renders on every change of the session's conference state or connection status. */
export function useSessionRevision(session: VenueSession | undefined): number {
  return useSyncExternalStore(
    (listener) => session?.subscribe(listener) ?? (() => undefined),
    () => session?.revision ?? -1,
  );
}

/**
 * A track the session receives for as long as the component wants it. A venue
 * that has not published yet is asked for again every 2 s; a new `epoch` (e.g.
 * the venue came back) asks again at once.
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
    let retry: ReturnType<typeof setTimeout> | undefined;
    const attempt = () => {
      session.receive(target, layer).then(
        (received) => !stopped && setTrack(received.track),
        () => {
          if (!stopped) retry = setTimeout(attempt, 2000);
        },
      );
    };
    attempt();
    const unsubscribe = session.onTrackFor(target, (next) => !stopped && setTrack(next));
    return () => {
      stopped = true;
      clearTimeout(retry);
      unsubscribe();
      session.stopReceiving(target);
      setTrack(undefined);
    };
    // `key` stands for `target`, whose object identity changes every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session, key, layer, epoch]);
  return track;
}

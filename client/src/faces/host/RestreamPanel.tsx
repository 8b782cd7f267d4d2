import { useEffect, useState } from 'react';
import { destinationsOf, type ConferenceState, type DestinationStatus } from '@plenary/shared';
import { useText } from '../common/i18n';
import type { VenueSession } from '../../session/venue-session';

type Act = (command: Parameters<VenueSession['command']>[0]) => void;

const STATE_TEXT = { connecting: 'destinationConnecting', live: 'destinationLive', retrying: 'destinationRetrying', stopped: 'destinationStopped' } as const;

/** Kilobits or megabits per second, as a broadcaster reads them. */
const rate = (bits: number) => (bits >= 1_000_000 ? `${(bits / 1_000_000).toFixed(1)} Mbit/s` : `${Math.round(bits / 1000)} kbit/s`);

/**
 * Where else the broadcast goes (a TV station's site, a news app): one RTMP / SRT address each,
 * pasted with its stream key, shown masked from then on, with its state (connecting, live and
 * at what bitrate, retrying and why) as the broadcast's owner sees it.
 */
export function RestreamPanel({ session, state, act }: { session: VenueSession; state: ConferenceState; act: Act }) {
  const { t } = useText();
  const [url, setUrl] = useState('');
  const statuses = useDestinationStatuses(session, destinationsOf(state).length > 0);
  return (
    <section className="panel" aria-labelledby="restream-title" data-testid="restream-panel">
      <h2 id="restream-title">{t('restream')}</h2>
      {destinationsOf(state).length === 0 && <p className="muted-text">{t('noDestinations')}</p>}
      <ul className="links">
        {destinationsOf(state).map((destination) => {
          const status = statuses.find((s) => s.id === destination.id);
          const now = status?.state ?? 'connecting';
          return (
            <li key={destination.id} data-testid={`destination-${destination.id}`}>
              <code>{destination.display}</code>{' '}
              <span role="status" className={now === 'live' ? 'badge on-air' : now === 'retrying' ? 'badge warning' : 'badge'}>
                {t(STATE_TEXT[now])}
                {now === 'live' && status ? ` · ${rate(status.bitrate)}` : ''}
              </span>
              {now === 'retrying' && status?.problem && <span className="muted-text"> {status.problem.message}</span>}{' '}
              <button onClick={() => act({ type: 'removeDestination', destinationId: destination.id })}>{t('removeDestination', { name: destination.display })}</button>
            </li>
          );
        })}
      </ul>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          act({ type: 'addDestination', url: url.trim() });
          setUrl('');
        }}
      >
        <label>
          {t('restreamAddress')} <input type="password" autoComplete="off" value={url} onChange={(e) => setUrl(e.target.value)} maxLength={1024} size={40} required />
        </label>{' '}
        <button type="submit">{t('addDestination')}</button>
      </form>
    </section>
  );
}

/** The destinations' states, asked every 2 s while there are any. */
function useDestinationStatuses(session: VenueSession, any: boolean): DestinationStatus[] {
  const [statuses, setStatuses] = useState<DestinationStatus[]>([]);
  useEffect(() => {
    if (!any) return;
    const ask = () => void session.destinations().then(setStatuses, () => undefined);
    ask();
    const timer = setInterval(ask, 2000);
    return () => clearInterval(timer);
  }, [session, any]);
  return statuses;
}

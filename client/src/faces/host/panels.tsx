import { useEffect, useRef, useState } from 'react';
import type { ConferenceState } from '@plenary/shared';
import type { VenueSession } from '../../session/venue-session';
import { playLive, type LivePlayer } from '../../player/live-player';
import { useText } from '../common/i18n';
import { useReceivedTrack } from '../common/session-hooks';
import { VideoView, formatDuration, useNow } from '../common/ui';

type Act = (command: Parameters<VenueSession['command']>[0]) => void;

/** The floor requests in order, each with give and decline. */
export function QueuePanel({ state, act }: { state: ConferenceState; act: Act }) {
  const { t } = useText();
  return (
    <section className="panel" aria-labelledby="queue-title">
      <h2 id="queue-title">{t('queue')}</h2>
      {state.floor.queue.length === 0 && <p className="muted-text">{t('queueEmpty')}</p>}
      <ol className="queue">
        {state.floor.queue.map((request) => {
          const name = state.venues[request.venueId]?.name ?? request.venueId;
          return (
            <li key={request.venueId}>
              <span>{name}</span>
              <button className="primary" onClick={() => act({ type: 'giveFloor', venueId: request.venueId })} aria-label={t('accept', { name })}>✓</button>
              <button onClick={() => act({ type: 'declineRequest', venueId: request.venueId })} aria-label={t('decline', { name })}>✕</button>
            </li>
          );
        })}
      </ol>
      <label className="option">
        <input type="checkbox" checked={state.muteOthersOnGive} onChange={(e) => act({ type: 'setMuteOthersOnGive', enabled: e.target.checked })} />
        {t('muteOthers')}
      </label>
    </section>
  );
}

/** The agenda with the current item and how long it has run. */
export function AgendaPanel({ state, act }: { state: ConferenceState; act: Act }) {
  const { t } = useText();
  const now = useNow();
  return (
    <section className="panel" aria-labelledby="agenda-title">
      <h2 id="agenda-title">{t('agenda')}</h2>
      {state.agenda.length === 0 && <p className="muted-text">{t('agendaEmpty')}</p>}
      <ol className="agenda">
        {state.agenda.map((item, index) => (
          <li key={index} aria-current={index === state.currentItem ? 'step' : undefined} className={index === state.currentItem ? 'current' : ''}>
            <span>{item.title}</span>
            <span className="muted-text"> · {state.venues[item.venueId]?.name} · {item.plannedMinutes} min</span>
            {index === state.currentItem && state.itemStartedAt !== null && <span className="timer"> {formatDuration(now - state.itemStartedAt)}</span>}
          </li>
        ))}
      </ol>
      {state.currentItem < state.agenda.length - 1 && <button onClick={() => act({ type: 'advanceAgenda', giveFloor: true })}>{t('nextItem')}</button>}
    </section>
  );
}

/** Each sub-venue's join link: copy it, or make a new one (the old one stops working). */
export function LinksPanel({ session, state, act }: { session: VenueSession; state: ConferenceState; act: Act }) {
  const { t } = useText();
  const [links, setLinks] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string>();
  const subs = state.venueOrder.map((id) => state.venues[id]).filter((v) => v?.kind === 'sub');
  const linkVersions = subs.map((v) => `${v?.id}:${v?.linkVersion}`).join(',');
  useEffect(() => {
    let stopped = false;
    void Promise.all(subs.map(async (venue) => [venue?.id ?? '', (await session.joinLink(venue?.id ?? '').catch(() => undefined))?.url ?? ''] as const)).then(
      (entries) => !stopped && setLinks(Object.fromEntries(entries)),
    );
    return () => {
      stopped = true;
    };
    // The links change exactly when a venue's link version does.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session, linkVersions]);
  return (
    <section className="panel" aria-labelledby="links-title">
      <h2 id="links-title">{t('links')}</h2>
      {notice && <p role="status" className="muted-text">{notice}</p>}
      <ul className="links">
        {subs.map((venue) =>
          venue ? (
            <li key={venue.id}>
              <label>
                {venue.name}
                <input readOnly value={links[venue.id] ?? ''} onFocus={(e) => e.target.select()} />
              </label>
              <button onClick={() => void navigator.clipboard.writeText(links[venue.id] ?? '').then(() => setNotice(t('copied')), () => setNotice(links[venue.id]))}>
                {t('copyLink', { name: venue.name })}
              </button>
              <button onClick={() => { act({ type: 'rotateLink', venueId: venue.id }); setNotice(t('rotated')); }}>{t('rotateLink', { name: venue.name })}</button>
            </li>
          ) : null,
        )}
      </ul>
    </section>
  );
}

/** What is on air over WebRTC (the venues' view) beside the HLS broadcast as viewers get it. */
export function Previews({ session, conferenceId }: { session: VenueSession; conferenceId: string }) {
  const { t } = useText();
  const program = useReceivedTrack(session, { program: 'video' });
  const programAudio = useReceivedTrack(session, { program: 'audio' });
  const [hear, setHear] = useState(false);
  const broadcast = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (!broadcast.current) return;
    let player: LivePlayer | undefined = playLive(broadcast.current, `/hls/${encodeURIComponent(conferenceId)}/master.m3u8`);
    return () => {
      player?.destroy();
      player = undefined;
    };
  }, [conferenceId]);
  return (
    <section className="previews">
      <figure>
        <VideoView source={program} label={t('program')} className="video program" />
        <figcaption>
          {t('program')}
          <label className="option">
            <input type="checkbox" checked={hear} onChange={(e) => setHear(e.target.checked)} /> {t('hearProgram')}
          </label>
        </figcaption>
        <VideoView source={programAudio} label={t('hearProgram')} className="hidden" muted={!hear} />
      </figure>
      <figure>
        <video ref={broadcast} className="video program" aria-label={t('broadcastPreview')} muted playsInline autoPlay />
        <figcaption>{t('broadcastPreview')}</figcaption>
      </figure>
    </section>
  );
}

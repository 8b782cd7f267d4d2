import { useEffect, useState } from 'react';
import { venuesInOrder, type VenueMediaStats } from '@plenary/shared';
import { VenueSession } from '../../session/venue-session';
import { DevicePicker } from '../common/devices';
import { useText } from '../common/i18n';
import { usePublic } from '../common/public';
import { useSessionRevision } from '../common/session-hooks';
import { LanguageSwitch, formatDuration, useNow } from '../common/ui';
import { AgendaPanel, LinksPanel, Previews, QueuePanel } from './panels';
import { ChannelsPanel, SignLanguagePanel } from './ChannelsPanel';
import { RestreamPanel } from './RestreamPanel';
import { VenueTile } from './VenueTile';

/** The presider console: every venue, the floor, the program and the broadcast, at a glance. */
export function Console({ conferenceId, hostSecret }: { conferenceId: string; hostSecret: string | undefined }) {
  const { t } = useText();
  const [session, setSession] = useState<VenueSession>();
  useEffect(() => {
    if (!hostSecret) return;
    const next = new VenueSession(location.origin, { conferenceId, hostSecret });
    setSession(next);
    return () => next.close();
  }, [conferenceId, hostSecret]);
  useSessionRevision(session);
  const stats = useMediaStats(session);
  const info = usePublic(conferenceId);
  const viewers = typeof info === 'object' ? info.viewers : 0;
  const now = useNow();
  const [problem, setProblem] = useState<string>();

  if (!hostSecret) return <Message text={t('needHostKey')} />;
  if (session?.status === 'refused') return <Message text={t('refused', { message: session.refusal?.message ?? '' })} />;
  const state = session?.mirror.state;
  if (!session || !state) return <Message text={t('loading')} />;

  const act = (command: Parameters<VenueSession['command']>[0]) =>
    void session.command(command).then(() => setProblem(undefined), (error: Error) => setProblem(error.message));
  const holder = state.venues[state.floor.holder];
  if (state.status === 'ended') return <Message text={t('conferenceEnded')} />;

  return (
    <main className="page console">
      <header className="bar">
        <div>
          <h1>{state.title}</h1>
          <p className="subtitle">{t('consoleTitle')}</p>
        </div>
        <div className="on-air-banner" role="status" aria-live="polite">
          <span className="on-air-light" aria-hidden="true" />
          <span>{t('onAirNaming', { name: holder?.name ?? '' })}</span>
          <span className="timer">{t('speakingFor', { time: formatDuration(now - state.floor.since) })}</span>
        </div>
        <span className="viewers">{t('viewers', { count: viewers.toLocaleString() })}</span>
        <LanguageSwitch />
      </header>
      {session.status === 'reconnecting' && <p role="status" className="banner warning">{t('reconnecting')}</p>}
      {problem && <p role="alert" className="problem">{problem}</p>}

      <div className="console-top">
        <Previews session={session} conferenceId={conferenceId} />
        <div className="console-side">
          <button className="primary" disabled={state.floor.holder === 'main'} onClick={() => act({ type: 'revokeFloor' })}>{t('returnFloor')}</button>
          <QueuePanel state={state} act={act} />
          <AgendaPanel state={state} act={act} />
        </div>
      </div>

      <section aria-labelledby="venues-title">
        <h2 id="venues-title">{t('venues')}</h2>
        <ul className="grid">
          {venuesInOrder(state).map((venue) => (
            <VenueTile key={venue.id} session={session} state={state} venue={venue} stats={stats} act={act} />
          ))}
        </ul>
      </section>

      <div className="console-bottom">
        <LinksPanel session={session} state={state} act={act} />
        <ChannelsPanel kind="captions" session={session} state={state} act={act} />
        <ChannelsPanel kind="interpretation" session={session} state={state} act={act} stats={stats} />
        <RestreamPanel session={session} state={state} act={act} />
        <SignLanguagePanel state={state} act={act} />
        <MainCamera session={session} />
      </div>
    </main>
  );
}

function Message({ text }: { text: string }) {
  return (
    <main className="page narrow">
      <header className="bar"><h1>Plenary</h1><LanguageSwitch /></header>
      <p role="alert">{text}</p>
    </main>
  );
}

/** The main venue's own camera and microphone, published from the console. */
function MainCamera({ session }: { session: VenueSession }) {
  const { t } = useText();
  const [stream, setStream] = useState<MediaStream>();
  const [live, setLive] = useState(false);
  const [problem, setProblem] = useState<string>();
  return (
    <section className="panel" aria-labelledby="camera-title">
      <h2 id="camera-title">{t('mainCamera')}</h2>
      {live ? <p role="status">{t('cameraLive')}</p> : (
        <details>
          <summary>{t('startCamera')}</summary>
          <DevicePicker onStream={setStream} />
          <button className="primary" disabled={!stream} onClick={() => stream && session.publish(stream).then(() => setLive(true), (e: Error) => setProblem(e.message))}>{t('startCamera')}</button>
        </details>
      )}
      {problem && <p role="alert" className="problem">{problem}</p>}
    </section>
  );
}

/** Every venue's media health, every 2 s. */
function useMediaStats(session: VenueSession | undefined): VenueMediaStats[] {
  const [stats, setStats] = useState<VenueMediaStats[]>([]);
  useEffect(() => {
    if (!session) return;
    const timer = setInterval(() => void session.mediaStats().then(setStats, () => undefined), 2000);
    return () => clearInterval(timer);
  }, [session]);
  return stats;
}

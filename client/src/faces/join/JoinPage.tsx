import { useEffect, useState } from 'react';
import { VenueSession } from '../../session/venue-session';
import { DevicePicker } from '../common/devices';
import { useText } from '../common/i18n';
import { fetchPublic, type PublicConference } from '../common/public';
import { useReceivedTrack, useSessionRevision, useUplinkHealth } from '../common/session-hooks';
import { LanguageSwitch, VideoView } from '../common/ui';
import { roundTrip } from '../common/network';
import { interpretationChannels, isPoorNetwork } from '@plenary/shared';

/** The original under an interpretation the room hears: about 12 dB down. */
const DUCKED = 0.25;

/** What the link says about itself (shown before joining; the server checks the signature). */
function readToken(token: string): { conferenceId: string; venueId: string } | undefined {
  try {
    const payload = JSON.parse(atob((token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as { conf?: unknown; sub?: unknown };
    return typeof payload.conf === 'string' && typeof payload.sub === 'string' ? { conferenceId: payload.conf, venueId: payload.sub } : undefined;
  } catch {
    return undefined;
  }
}

/** The sub-venue page: pick the room's camera and microphone, join, follow the program, ask for the floor. */
export function JoinPage({ token }: { token: string }) {
  const { t } = useText();
  const claims = readToken(token);
  const [info, setInfo] = useState<PublicConference>();
  const [stream, setStream] = useState<MediaStream>();
  const [session, setSession] = useState<VenueSession>();
  const [joining, setJoining] = useState(false);
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    if (claims) void fetchPublic(claims.conferenceId).then((answer) => typeof answer === 'object' && setInfo(answer));
  }, [claims?.conferenceId]);
  useEffect(() => () => session?.close(), [session]);

  const venueName = info?.venues.find((v) => v.id === claims?.venueId)?.name ?? claims?.venueId ?? '';

  const join = async () => {
    if (!stream) return;
    setJoining(true);
    setProblem(undefined);
    const next = new VenueSession(location.origin, { token });
    try {
      await next.connected();
      await next.publish(stream);
      setSession(next);
    } catch (error) {
      next.close();
      setProblem((error as Error).message);
    } finally {
      setJoining(false);
    }
  };

  if (!claims) return <Shell title={t('joinTitle', { name: '' })}><p role="alert">{t('refused', { message: 'not a join link' })}</p></Shell>;
  if (session) return <VenueRoom session={session} stream={stream} />;
  return (
    <Shell title={t('joinTitle', { name: venueName })} subtitle={info?.title}>
      <p>{t('joinHint')}</p>
      <DevicePicker onStream={setStream} />
      {problem && <p role="alert" className="problem">{t('refused', { message: problem })}</p>}
      <button className="primary" disabled={!stream || joining} onClick={() => void join()}>
        {joining ? t('joining') : t('join')}
      </button>
    </Shell>
  );
}

function Shell({ title, subtitle, children }: { title: string; subtitle?: string | undefined; children: React.ReactNode }) {
  return (
    <main className="page narrow">
      <header className="bar">
        <div>
          <h1>{title}</h1>
          {subtitle && <p className="subtitle">{subtitle}</p>}
        </div>
        <LanguageSwitch />
      </header>
      {children}
    </main>
  );
}

/** Joined: the program, the main venue, our own camera, the floor request and a clear status. */
function VenueRoom({ session, stream }: { session: VenueSession; stream: MediaStream | undefined }) {
  const { t } = useText();
  useSessionRevision(session);
  const state = session.mirror.state;
  const venueId = session.identity?.actor.role === 'operator' ? session.identity.actor.venueId : undefined;
  const program = useReceivedTrack(session, { program: 'video' });
  const programAudio = useReceivedTrack(session, { program: 'audio' });
  const mainAudio = useReceivedTrack(session, { venueId: 'main', kind: 'audio' }, undefined, state?.venues.main?.present);
  const mainVenue = useReceivedTrack(session, { venueId: 'main', kind: 'video' }, 0, state?.venues.main?.present);
  const uplink = useUplinkHealth(session);
  const [problem, setProblem] = useState<string>();
  // The room may hear an interpretation channel: the interpreter's voice, the original under it.
  const [hearing, setHearing] = useState('');
  const channels = state ? interpretationChannels(state) : [];
  const heard = channels.some((c) => c.id === hearing) ? hearing : '';
  const interpreted = useReceivedTrack(session, heard ? { interpretation: heard } : undefined);

  if (session.status === 'refused') return <Shell title={state?.title ?? 'Plenary'}><p role="alert">{t('refused', { message: session.refusal?.message ?? '' })}</p></Shell>;
  if (!state || !venueId) return <Shell title="">{t('loading')}</Shell>;
  if (state.status === 'ended') return <Shell title={state.title}><p role="status" className="banner">{t('conferenceEnded')}</p></Shell>;
  const venue = state.venues[venueId];
  const holder = state.venues[state.floor.holder];
  const position = state.floor.queue.findIndex((request) => request.venueId === venueId);
  const onAir = state.floor.holder === venueId;
  const status = venue?.mutedByPresider ? t('statusMuted') : onAir ? t('statusOnAir') : position >= 0 ? t('statusQueued', { position: position + 1 }) : t('statusWaiting');
  const command = (type: 'requestFloor' | 'withdrawRequest') =>
    session.command({ type, venueId }).then(() => setProblem(undefined), (error: Error) => setProblem(error.message));
  const trouble = session.status === 'reconnecting' || session.mediaTrouble;

  return (
    <Shell title={venue?.name ?? venueId} subtitle={state.title}>
      {trouble && <p role="status" className="banner warning">{t('reconnecting')}</p>}
      {!trouble && isPoorNetwork(uplink) && uplink && (
        <p role="status" className="banner warning" data-testid="own-poor-network">
          {t('ownPoorNetwork', { loss: uplink.lossPercent.toFixed(0), rtt: roundTrip(uplink) })}
        </p>
      )}
      <p role="status" className={`status ${onAir ? 'on-air' : ''}`} data-testid="venue-status">{status}</p>
      <div className="actions">
        {position >= 0 ? (
          <button onClick={() => void command('withdrawRequest')}>{t('withdrawRequest')}</button>
        ) : (
          <button className="primary" disabled={onAir || venue?.mutedByPresider} onClick={() => void command('requestFloor')}>{t('requestFloor')}</button>
        )}
      </div>
      {problem && <p role="alert" className="problem">{problem}</p>}
      {channels.length > 0 && (
        <label>
          {t('hearChannel')}{' '}
          <select data-testid="hear-channel" value={heard} onChange={(e) => setHearing(e.target.value)}>
            <option value="">{t('original')}</option>
            {channels.map((channel) => <option key={channel.id} value={channel.id} lang={channel.language}>{channel.name}</option>)}
          </select>
        </label>
      )}
      <section className="stage">
        <figure>
          <VideoView source={program} label={t('programView')} className="video program" />
          <figcaption>{t('programView')}{holder ? ` · ${t('onAirNaming', { name: holder.name })}` : ''}</figcaption>
        </figure>
        <div className="side">
          <figure>
            <VideoView source={mainVenue} label={t('mainVenueView')} />
            <figcaption>{t('mainVenueView')}</figcaption>
          </figure>
          <figure>
            <VideoView source={stream} label={t('ownCamera')} />
            <figcaption>{t('ownCamera')}</figcaption>
          </figure>
        </div>
      </section>
      {/* The program's sound, for the room. Browsers may hold it until the page is touched. */}
      <VideoView source={programAudio} label={t('programView')} className="hidden" muted={false} volume={heard ? DUCKED : 1} />
      <VideoView source={mainAudio} label={t('mainVenueView')} className="hidden" muted={false} volume={heard ? DUCKED : 1} />
      <VideoView source={interpreted} label={t('interpretation')} className="hidden" muted={false} />
    </Shell>
  );
}

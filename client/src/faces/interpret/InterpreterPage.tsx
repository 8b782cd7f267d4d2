import { useEffect, useState } from 'react';
import { VenueSession } from '../../session/venue-session';
import { DevicePicker } from '../common/devices';
import { useText } from '../common/i18n';
import { useReceivedTrack, useSessionRevision } from '../common/session-hooks';
import { LanguageSwitch, LevelMeter, VideoView } from '../common/ui';

/**
 * The interpreter's page: choose the microphone (headphones on: the original
 * plays here), start, and interpret; one big button between LIVE (viewers of
 * the channel hear this voice over the original) and MUTED (the channel
 * carries the original alone). The interpreter sees and hears the program and
 * can do nothing else: its link is for its voice on its channel.
 */
export function InterpreterPage({ token }: { token: string }) {
  const { t, language } = useText();
  const channel = channelLanguageName(token, language);
  const [microphone, setMicrophone] = useState<MediaStream>();
  const [session, setSession] = useState<VenueSession>();
  const [starting, setStarting] = useState(false);
  const [problem, setProblem] = useState<string>();
  useEffect(() => () => session?.close(), [session]);

  const start = async () => {
    if (!microphone) return;
    setStarting(true);
    setProblem(undefined);
    const next = new VenueSession(location.origin, { token });
    try {
      await next.connected();
      await next.publish(microphone);
      setSession(next);
    } catch (error) {
      next.close();
      setProblem((error as Error).message);
    } finally {
      setStarting(false);
    }
  };

  if (session && microphone) return <Booth session={session} microphone={microphone} />;
  return (
    <main className="page narrow interpreter">
      <header className="bar">
        <h1>{channel ? t('interpreterTitle', { channel }) : t('interpretation')}</h1>
        <LanguageSwitch />
      </header>
      <p>{t('interpreterHint', { channel: channel ?? '' })}</p>
      <DevicePicker onStream={setMicrophone} audioOnly />
      {problem && <p role="alert" className="problem">{t('refused', { message: problem })}</p>}
      <button className="primary" disabled={!microphone || starting} onClick={() => void start()}>
        {starting ? t('joining') : t('startInterpreting')}
      </button>
    </main>
  );
}

/**
 * The language of the link's channel (`in-ko` → 한국어 / Korean / 朝鲜语), in the page's language,
 * before connecting: what the link says about itself (the server checks the signature).
 */
function channelLanguageName(token: string, pageLanguage: string): string | undefined {
  try {
    const payload = JSON.parse(atob((token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown };
    const code = typeof payload.sub === 'string' ? /^in-([a-z]{2,3})$/.exec(payload.sub)?.[1] : undefined;
    return code ? new Intl.DisplayNames([pageLanguage === 'zh' ? 'zh-CN' : 'en'], { type: 'language' }).of(code) : undefined;
  } catch {
    return undefined;
  }
}

/** Interpreting: the program to follow, the live / muted switch, the level of the voice going out. */
function Booth({ session, microphone }: { session: VenueSession; microphone: MediaStream }) {
  const { t } = useText();
  useSessionRevision(session);
  const [live, setLive] = useState(true);
  const state = session.mirror.state;
  const channelId = session.identity?.actor.role === 'interpreter' ? session.identity.actor.channelId : undefined;
  const program = useReceivedTrack(session, { program: 'video' });
  const programAudio = useReceivedTrack(session, { program: 'audio' });
  const mainAudio = useReceivedTrack(session, { venueId: 'main', kind: 'audio' }, undefined, state?.venues.main?.present);
  const voice = microphone.getAudioTracks()[0];
  // Muted: the track sends silence, the channel's compressor lets the original back up.
  useEffect(() => {
    if (voice) voice.enabled = live;
  }, [voice, live]);

  if (session.status === 'refused') return <main className="page narrow"><p role="alert">{t('refused', { message: session.refusal?.message ?? '' })}</p></main>;
  if (!state || !channelId) return <main className="page narrow"><p role="status">{t('loading')}</p></main>;
  if (state.status === 'ended') return <main className="page narrow"><p role="status" className="banner">{t('conferenceEnded')}</p></main>;
  const channel = state.interpretation?.[channelId];
  const name = channel?.name ?? channelId;
  const holder = state.venues[state.floor.holder];
  const trouble = session.status === 'reconnecting' || session.mediaTrouble;
  return (
    <main className="page narrow interpreter">
      <header className="bar">
        <div>
          <h1 lang={channel?.language}>{t('interpreterTitle', { channel: name })}</h1>
          <p className="subtitle">{state.title}</p>
        </div>
        <LanguageSwitch />
      </header>
      {trouble && <p role="status" className="banner warning">{t('reconnecting')}</p>}
      <p role="status" className={`status ${live ? 'on-air' : 'muted'}`} data-testid="interpreter-status">
        {live ? t('interpreterLive', { channel: name }) : t('interpreterMuted', { channel: name })}
      </p>
      <div className="actions">
        <button className={live ? '' : 'primary'} aria-pressed={!live} onClick={() => setLive(!live)}>
          {live ? t('muteMe') : t('unmuteMe')}
        </button>
        <LevelMeter track={voice} label={t('micLevel')} />
      </div>
      <figure>
        <VideoView source={program} label={t('programView')} className="video program" />
        <figcaption>{t('originalSound')}{holder ? ` · ${t('onAirNaming', { name: holder.name })}` : ''}</figcaption>
      </figure>
      <VideoView source={programAudio} label={t('programView')} className="hidden" muted={false} />
      <VideoView source={mainAudio} label={t('mainVenueView')} className="hidden" muted={false} />
    </main>
  );
}

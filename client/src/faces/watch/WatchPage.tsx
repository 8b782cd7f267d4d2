import { useEffect, useRef, useState } from 'react';
import { playLive, type LivePlayer } from '../../player/live-player';
import { useText } from '../common/i18n';
import { usePublic, type PublicConference } from '../common/public';
import { Downloads } from './Downloads';
import { Chapters, RewindControls, speakerAt, useCarriedChoices, useChapters } from './Rewind';
import { LanguageSwitch, useNow } from '../common/ui';

/**
 * The public watch page: the broadcast in low-latency HLS, the current speaker
 * from the stream's own metadata, quality choice, the sound in each language
 * interpreted (the original by default), live captions in each language the
 * conference has (off by default), a way back to live, the viewer count. No socket: everything it reads is cacheable.
 */
export function WatchPage({ conferenceId }: { conferenceId: string }) {
  const { t } = useText();
  const info = usePublic(conferenceId);
  const available = useBroadcastAvailable(conferenceId);
  useViewerBeacon(conferenceId, typeof info === 'object' ? info.viewerBeacon : undefined);

  const title = typeof info === 'object' ? info.title : 'Plenary';
  useEffect(() => {
    document.title = title;
  }, [title]);
  if (info === 'missing') return <Frame title="Plenary"><p role="alert" className="notice">{t('noConference')}</p></Frame>;
  const ended = typeof info === 'object' && info.status === 'ended';
  return (
    <Frame title={title} viewers={typeof info === 'object' ? info.viewers : undefined}>
      {available ? <Player conferenceId={conferenceId} ended={ended} fallbackSpeaker={typeof info === 'object' ? info.onAir?.name : undefined} /> : (
        <p role="status" className="notice">{ended ? t('endedNoRecording') : t('notStarted')}</p>
      )}
      {ended && available && <p role="status" className="notice">{t('endedPlaying')}</p>}
    </Frame>
  );
}

function Frame({ title, viewers, children }: { title: string; viewers?: number | undefined; children: React.ReactNode }) {
  const { t } = useText();
  return (
    <main className="page watch">
      <header className="bar">
        <h1>{title}</h1>
        {viewers !== undefined && viewers > 0 && <span className="viewers">{t('viewers', { count: viewers.toLocaleString() })}</span>}
        <LanguageSwitch />
      </header>
      {children}
    </main>
  );
}

function Player({ conferenceId, ended, fallbackSpeaker }: { conferenceId: string; ended: boolean; fallbackSpeaker: string | undefined }) {
  const { t } = useText();
  const video = useRef<HTMLVideoElement>(null);
  const [player, setPlayer] = useState<LivePlayer>();
  // Rewinding a live conference plays its recording (DVR) from where the viewer went back to.
  const [rewinding, setRewinding] = useState(false);
  const rewindFrom = useRef<number | undefined>(undefined);
  const dvr = rewinding && !ended;
  useNow(500); // the caption, the live badge and the quality list follow the player
  useEffect(() => {
    if (!video.current) return;
    const base = `/hls/${encodeURIComponent(conferenceId)}`;
    const from = rewindFrom.current;
    const next = playLive(video.current, dvr ? `${base}/dvr/master.m3u8` : `${base}/master.m3u8`, { lowLatency: !ended && !dvr, ...(dvr && from !== undefined ? { startPosition: from } : {}) });
    setPlayer(next);
    return () => next.destroy();
  }, [conferenceId, ended, dvr]);
  // The caption changes the moment the player's speaker cue does (with the picture), not at the next render.
  const [, speakerChanged] = useState(0);
  useEffect(() => player?.onSpeaker(() => speakerChanged((n) => n + 1)), [player]);
  const choices = useCarriedChoices(player);
  const chapters = useChapters(conferenceId, !ended);
  /** Into the recording (at a speech's offset, or near the live edge to move back from there). */
  const rewind = (offset?: number) => {
    if (dvr || ended) return offset !== undefined && player?.seek(offset);
    rewindFrom.current = offset;
    setRewinding(true);
  };
  // The stream's metadata names who is in the picture live; the recording's chapters do in a
  // recording (rewound, or after the end); the public view is the fallback for native HLS.
  const recorded = dvr || ended ? speakerAt(chapters, player?.position?.at) : undefined;
  const speaker = player?.speaker?.name ?? recorded ?? (player?.levels.length ? undefined : fallbackSpeaker);
  const playing = player?.playingDate;
  return (
    <section className="player" data-behind-live={playing === undefined ? undefined : Math.round((Date.now() - playing) / 100) / 10} data-mode={dvr ? 'rewind' : ended ? 'recording' : 'live'}>
      <div className="player-frame">
        <video ref={video} id="broadcast" className="video" controls muted playsInline autoPlay aria-label={t('broadcastPreview')} />
        {speaker && <p className="caption" aria-live="polite" data-testid="speaker-caption">{t('nowSpeaking', { name: speaker })}</p>}
        {player?.troubled && <p role="status" className="banner warning overlay">{t('playerTrouble')}</p>}
      </div>
      <div className="player-bar">
        {dvr && <RewindControls player={player} onLive={() => setRewinding(false)} />}
        {!ended && !dvr && (player?.behindLive ? (
          <button onClick={() => player.goLive()}>{t('goLive')}</button>
        ) : (
          <span className="live-badge">{t('live')}</span>
        ))}
        {!ended && !dvr && <button onClick={() => rewind()}>{t('rewind')}</button>}
        {player && player.levels.length > 1 && (
          <label>
            {t('qualityMenu')}{' '}
            <select value={player.chosenLevel} onChange={(e) => player.chooseLevel(Number(e.target.value))}>
              <option value={-1}>{t('auto')}</option>
              {player.levels.map((level) => <option key={level.index} value={level.index}>{level.height}p</option>)}
            </select>
          </label>
        )}
        {player && player.audioTracks.length > 1 && (
          <label>
            {t('audioMenu')}{' '}
            <select data-testid="audio-menu" value={player.chosenAudio} onChange={(e) => choices.chooseAudio(Number(e.target.value))}>
              {player.audioTracks.map((track) => (
                <option key={track.index} value={track.index} lang={track.original ? undefined : track.language}>{track.original ? t('original') : track.name}</option>
              ))}
            </select>
          </label>
        )}
        {player && player.captions.length > 0 && (
          <label>
            {t('captionsMenu')}{' '}
            <select data-testid="captions-menu" value={player.chosenCaptions} onChange={(e) => choices.chooseCaptions(Number(e.target.value))}>
              <option value={-1}>{t('captionsOff')}</option>
              {player.captions.map((track) => <option key={track.index} value={track.index} lang={track.language}>{track.name}</option>)}
            </select>
          </label>
        )}
      </div>
      {player && <Chapters chapters={chapters} live={!ended} play={rewind} />}
      {ended && <Downloads conferenceId={conferenceId} />}
    </section>
  );
}

/** Whether the origin serves the broadcast (live or recorded); asked every 5 s until it does. */
function useBroadcastAvailable(conferenceId: string): boolean {
  const [available, setAvailable] = useState(false);
  useEffect(() => {
    if (available) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = () =>
      void fetch(`/hls/${encodeURIComponent(conferenceId)}/master.m3u8`).then(
        (response) => (response.ok ? setAvailable(true) : (timer = setTimeout(check, 5000))),
        () => (timer = setTimeout(check, 5000)),
      );
    check();
    return () => clearTimeout(timer);
  }, [conferenceId, available]);
  return available;
}

/** Tells the server this page is watching (a sampled share of pages do), for the viewer count. */
function useViewerBeacon(conferenceId: string, beacon: PublicConference['viewerBeacon'] | undefined): void {
  const sample = beacon?.sample;
  const every = beacon?.everySeconds;
  useEffect(() => {
    if (sample === undefined || every === undefined || Math.random() >= sample) return;
    const viewer = crypto.randomUUID();
    const announce = () =>
      void fetch(`/api/conferences/${encodeURIComponent(conferenceId)}/viewers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ viewer }),
        keepalive: true,
      }).catch(() => undefined);
    announce();
    const timer = setInterval(announce, every * 1000);
    return () => clearInterval(timer);
  }, [conferenceId, sample, every]);
}

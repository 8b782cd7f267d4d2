import { useEffect, useRef } from 'react';
import type { LivePlayer } from '../../player/live-player';
import { useText } from '../common/i18n';
import { formatDuration } from '../common/ui';
import { useRecordingList } from './Downloads';

/**
 * Rewinding a live conference (DVR): the conference from its start, served from the recording,
 * with a timeline to move along it, how far behind live that is, and "Go to live" back to the
 * low-latency edge.
 */
export function RewindControls({ player, onLive }: { player: LivePlayer | undefined; onLive: () => void }) {
  const { t } = useText();
  const position = player?.position;
  const playing = player?.playingDate;
  return (
    <>
      <button onClick={onLive}>{t('goLive')}</button>
      {position && (
        <label className="timeline">
          <input
            type="range"
            aria-label={t('position')}
            data-testid="timeline"
            min={0}
            max={Math.max(1, Math.floor(position.end))}
            step={1}
            value={Math.min(Math.floor(position.at), Math.floor(position.end))}
            onChange={(e) => player?.seek(Number(e.target.value))}
          />{' '}
          {formatDuration(position.at * 1000)} / {formatDuration(position.end * 1000)}
        </label>
      )}
      {playing !== undefined && <span data-testid="behind-live">{t('behindLiveBy', { time: formatDuration(Date.now() - playing) })}</span>}
    </>
  );
}

export interface Chapter {
  venue: string;
  item: string | undefined;
  offset: number;
}

/** The speeches of the recording: an ended conference's all, or a live one's so far (read again every 15 s). */
export function useChapters(conferenceId: string, live: boolean): Chapter[] {
  return useRecordingList<Chapter>(conferenceId, 'chapters.json', 'chapters', live ? 15_000 : undefined);
}

/** Who speaks at a position of the recording (its playlists carry no speaker metadata): the chapter it is in. */
export function speakerAt(chapters: readonly Chapter[], seconds: number | undefined): string | undefined {
  if (seconds === undefined) return undefined;
  return chapters.filter((chapter) => chapter.offset <= seconds + 0.5).at(-1)?.venue || undefined;
}

/** The speeches of the recording (who spoke, under which item), each a place to play from. */
export function Chapters({ chapters, live, play }: { chapters: readonly Chapter[]; live: boolean; play: (offset: number) => void }) {
  const { t } = useText();
  if (chapters.length === 0) return null;
  return (
    <nav aria-labelledby="chapters-title" className="chapters">
      <h2 id="chapters-title">{live ? t('speechesSoFar') : t('chapters')}</h2>
      <ol data-testid="chapters">
        {chapters.map((chapter, i) => (
          <li key={i}>
            <button onClick={() => play(chapter.offset)} aria-label={t('playChapter', { time: formatDuration(chapter.offset * 1000), venue: chapter.venue })}>
              {formatDuration(chapter.offset * 1000)}
            </button>{' '}
            {chapter.venue}
            {chapter.item && <> · {chapter.item}</>}
          </li>
        ))}
      </ol>
    </nav>
  );
}

/**
 * The viewer's sound and captions choice, carried over when the page changes players (into the
 * recording to rewind, back to live): a viewer listening to English stays with English.
 */
export function useCarriedChoices(player: LivePlayer | undefined): { chooseAudio: (index: number) => void; chooseCaptions: (index: number) => void } {
  const chosen = useRef({ audio: 0, captions: -1 });
  const applied = useRef<LivePlayer | undefined>(undefined);
  useEffect(() => {
    if (!player || applied.current === player || player.audioTracks.length === 0) return;
    applied.current = player;
    if (chosen.current.audio < player.audioTracks.length && player.chosenAudio !== chosen.current.audio) player.chooseAudio(chosen.current.audio);
    if (chosen.current.captions < player.captions.length && chosen.current.captions >= 0) player.chooseCaptions(chosen.current.captions);
  });
  return {
    chooseAudio: (index) => {
      chosen.current.audio = index;
      player?.chooseAudio(index);
    },
    chooseCaptions: (index) => {
      chosen.current.captions = index;
      player?.chooseCaptions(index);
    },
  };
}

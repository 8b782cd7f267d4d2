import { useState } from 'react';
import { captionChannels, interpretationChannels, venuesInOrder, type ConferenceState, type VenueMediaStats } from '@plenary/shared';
import { useText, type TextKey } from '../common/i18n';
import type { VenueSession } from '../../session/venue-session';

type Act = (command: Parameters<VenueSession['command']>[0]) => void;

/** What differs between the two kinds of channel: their commands, their links, their words. */
const KINDS = {
  captions: { title: 'captionChannels', add: 'addCaptions', copy: 'copyCaptionerLink', channels: captionChannels },
  interpretation: { title: 'interpretation', add: 'addInterpretation', copy: 'copyInterpreterLink', channels: interpretationChannels },
} as const satisfies Record<string, { title: TextKey; add: TextKey; copy: TextKey; channels: unknown }>;

/**
 * The conference's channels of one kind, one per language: captions (a
 * captioner link each for the stenographer, or an API for a speech recognizer;
 * viewers pick one in the watch page's captions menu) or interpretation (an
 * interpreter link each; viewers pick one in the audio menu, a sub-venue may
 * hear one), with whether each channel's interpreter is connected.
 */
export function ChannelsPanel({ kind, session, state, act, stats = [] }: { kind: keyof typeof KINDS; session: VenueSession; state: ConferenceState; act: Act; stats?: VenueMediaStats[] }) {
  const { t } = useText();
  const words = KINDS[kind];
  const [language, setLanguage] = useState('');
  const [name, setName] = useState('');
  const [notice, setNotice] = useState<string>();
  const copy = async (channelId: string) => {
    const link = await (kind === 'captions' ? session.captionerLink(channelId) : session.interpreterLink(channelId)).catch((error: Error) => error);
    if (link instanceof Error) return setNotice(link.message);
    await navigator.clipboard.writeText(link.url).then(() => setNotice(t('copied')), () => setNotice(link.url));
  };
  const remove = (channelId: string) => act(kind === 'captions' ? { type: 'removeCaptionChannel', channelId } : { type: 'removeInterpretationChannel', channelId });
  const add = (command: { language: string; name: string }) => act(kind === 'captions' ? { type: 'addCaptionChannel', ...command } : { type: 'addInterpretationChannel', ...command });
  const interpreterThere = (channelId: string) => stats.some((s) => s.venueId === channelId && s.kind === 'audio' && s.bitrate > 0);
  return (
    <section className="panel" aria-labelledby={`${kind}-title`} data-testid={`${kind}-panel`}>
      <h2 id={`${kind}-title`}>{t(words.title)}</h2>
      {notice && <p role="status" className="muted-text">{notice}</p>}
      <ul className="links">
        {words.channels(state).map((channel) => (
          <li key={channel.id}>
            <span lang={channel.language}>{channel.name}</span> <code>{channel.language}</code>
            {kind === 'interpretation' && (
              <span className={interpreterThere(channel.id) ? 'badge on-air' : 'badge'}>{interpreterThere(channel.id) ? t('interpreterOnAir') : t('interpreterAway')}</span>
            )}
            <button onClick={() => void copy(channel.id)}>{t(words.copy, { name: channel.name })}</button>
            <button onClick={() => remove(channel.id)}>{t('removeCaptions', { name: channel.name })}</button>
          </li>
        ))}
      </ul>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          add({ language: language.trim().toLowerCase(), name: name.trim() });
          setLanguage('');
          setName('');
        }}
      >
        <label>
          {t('captionLanguage')} <input value={language} onChange={(e) => setLanguage(e.target.value)} maxLength={3} size={4} required />
        </label>{' '}
        <label>
          {t('captionName')} <input value={name} onChange={(e) => setName(e.target.value)} maxLength={40} required />
        </label>{' '}
        <button type="submit">{t(words.add)}</button>
      </form>
    </section>
  );
}

/**
 * The sign-language picture: one sub-venue (its interpreter joins by the venue's link) shown
 * in the broadcast's corner, or none; it shows once that venue publishes a picture.
 */
export function SignLanguagePanel({ state, act }: { state: ConferenceState; act: Act }) {
  const { t } = useText();
  const subVenues = venuesInOrder(state).filter((venue) => venue.kind === 'sub');
  return (
    <section className="panel" aria-labelledby="sign-title">
      <h2 id="sign-title">{t('signLanguage')}</h2>
      <label>
        {t('signLanguageVenue')}{' '}
        <select data-testid="sign-language" value={state.signLanguage ?? ''} onChange={(e) => act({ type: 'setSignLanguage', venueId: e.target.value || null })}>
          <option value="">{t('captionsOff')}</option>
          {subVenues.map((venue) => <option key={venue.id} value={venue.id}>{venue.name}</option>)}
        </select>
      </label>
    </section>
  );
}

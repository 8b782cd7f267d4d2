import { useState } from 'react';
import { captionChannels, type ConferenceState } from '@plenary/shared';
import { useText } from '../common/i18n';
import type { VenueSession } from '../../session/venue-session';

type Act = (command: Parameters<VenueSession['command']>[0]) => void;

/**
 * The conference's captions channels: one per language, each with a captioner
 * link for the stenographer (or an API for a speech recognizer); viewers pick
 * one in the watch page's captions menu.
 */
export function CaptionsPanel({ session, state, act }: { session: VenueSession; state: ConferenceState; act: Act }) {
  const { t } = useText();
  const [language, setLanguage] = useState('');
  const [name, setName] = useState('');
  const [notice, setNotice] = useState<string>();
  const copy = async (channelId: string) => {
    const link = await session.captionerLink(channelId).catch((error: Error) => error);
    if (link instanceof Error) return setNotice(link.message);
    await navigator.clipboard.writeText(link.url).then(() => setNotice(t('copied')), () => setNotice(link.url));
  };
  return (
    <section className="panel" aria-labelledby="captions-title">
      <h2 id="captions-title">{t('captionChannels')}</h2>
      {notice && <p role="status" className="muted-text">{notice}</p>}
      <ul className="links">
        {captionChannels(state).map((channel) => (
          <li key={channel.id}>
            <span lang={channel.language}>{channel.name}</span> <code>{channel.language}</code>
            <button onClick={() => void copy(channel.id)}>{t('copyCaptionerLink', { name: channel.name })}</button>
            <button onClick={() => act({ type: 'removeCaptionChannel', channelId: channel.id })}>{t('removeCaptions', { name: channel.name })}</button>
          </li>
        ))}
      </ul>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          act({ type: 'addCaptionChannel', language: language.trim().toLowerCase(), name: name.trim() });
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
        <button type="submit">{t('addCaptions')}</button>
      </form>
    </section>
  );
}

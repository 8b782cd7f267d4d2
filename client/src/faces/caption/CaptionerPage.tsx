import { useEffect, useRef, useState } from 'react';
import { playLive } from '../../player/live-player';
import { useText } from '../common/i18n';
import { LanguageSwitch } from '../common/ui';

interface Assignment {
  conferenceId: string;
  title: string;
  channel: { id: string; language: string; name: string };
}

type Sent = { text: string; at: number } | { text: string; failed: string };

/**
 * The captioner's page (a stenographer's): the broadcast to follow, and one
 * line to type; Enter sends it to the captions channel of the link, timed to
 * the program. The box is free for the next line at once; what was sent is
 * listed, and a line the server refused says why (and comes back into the box).
 */
export function CaptionerPage({ token }: { token: string }) {
  const { t } = useText();
  const [assignment, setAssignment] = useState<Assignment | string>();
  const [line, setLine] = useState('');
  const [sent, setSent] = useState<Sent[]>([]);
  const video = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    fetch('/api/captioner', { headers: { authorization: `Bearer ${token}` } })
      .then(async (res) => {
        const answer = (await res.json()) as { ok: boolean; data?: Assignment; error?: { message: string } };
        setAssignment(answer.ok && answer.data ? answer.data : (answer.error?.message ?? 'This link does not work'));
      })
      .catch(() => setAssignment('The server does not answer; reload in a moment'));
  }, [token]);

  const conferenceId = typeof assignment === 'object' ? assignment.conferenceId : undefined;
  useEffect(() => {
    if (!conferenceId || !video.current) return;
    const player = playLive(video.current, `/hls/${encodeURIComponent(conferenceId)}/master.m3u8`);
    return () => player.destroy();
  }, [conferenceId]);

  if (typeof assignment === 'string') return <main className="page"><p role="alert" className="notice">{t('refused', { message: assignment })}</p></main>;
  if (!assignment) return <main className="page"><p role="status">{t('loading')}</p></main>;

  const send = async () => {
    const text = line.trim();
    if (!text) return;
    // The box is free at once for the next line (a stenographer does not wait for the server);
    // a line that was refused comes back into it unless the next one is being typed.
    setLine('');
    const res = await fetch(`/api/conferences/${encodeURIComponent(assignment.conferenceId)}/captions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ text }),
    }).catch(() => undefined);
    const answer = res ? ((await res.json()) as { ok: boolean; data?: { at: number }; error?: { message: string } }) : undefined;
    if (answer?.ok && answer.data) {
      setSent((lines) => [{ text, at: answer.data?.at ?? Date.now() }, ...lines].slice(0, 50));
    } else {
      setSent((lines) => [{ text, failed: answer?.error?.message ?? 'The server does not answer' }, ...lines].slice(0, 50));
      setLine((typing) => typing || text);
    }
  };

  return (
    <main className="page captioner">
      <header className="bar">
        <h1>{t('captionerTitle', { channel: assignment.channel.name })}</h1>
        <span>{assignment.title}</span>
        <LanguageSwitch />
      </header>
      <video ref={video} className="video" controls muted playsInline autoPlay aria-label={t('broadcastPreview')} />
      <p>{t('captionerHint')}</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void send();
        }}
      >
        <input
          aria-label={t('captionLine')}
          data-testid="caption-line"
          lang={assignment.channel.language}
          value={line}
          maxLength={200}
          autoFocus
          onChange={(event) => setLine(event.target.value)}
        />
        <button type="submit">{t('sendLine')}</button>
      </form>
      <section aria-label={t('sentLines')}>
        <ol className="sent-lines" data-testid="sent-lines">
          {sent.map((entry, i) => (
            <li key={i} lang={assignment.channel.language} className={'failed' in entry ? 'failed' : undefined}>
              {'failed' in entry ? t('lineFailed', { message: entry.failed }) : entry.text}
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}

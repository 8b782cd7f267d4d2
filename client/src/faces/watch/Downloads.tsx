import { useEffect, useState } from 'react';
import { useText } from '../common/i18n';

interface DownloadFile {
  name: string;
  rendition: string;
  kind: 'video' | 'audio';
}

/**
 * A list a recording's JSON file holds (`chapters.json`'s chapters, `downloads.json`'s files);
 * empty until it comes, or if it does not. Read again every `refreshMs` if given (a recording still growing).
 */
export function useRecordingList<T>(conferenceId: string, file: string, key: string, refreshMs?: number): T[] {
  const [list, setList] = useState<T[]>([]);
  useEffect(() => {
    const read = () =>
      fetch(`/hls/${encodeURIComponent(conferenceId)}/${file}`)
        .then(async (res) => (res.ok ? setList(((await res.json()) as Record<string, T[]>)[key] ?? []) : undefined))
        .catch(() => undefined);
    void read();
    if (refreshMs === undefined) return;
    const timer = setInterval(() => void read(), refreshMs);
    return () => clearInterval(timer);
  }, [conferenceId, file, key, refreshMs]);
  return list;
}

/** An ended conference's recording as files to keep: each picture quality with the original sound, and each sound track. */
export function Downloads({ conferenceId }: { conferenceId: string }) {
  const { t } = useText();
  const files = useRecordingList<DownloadFile>(conferenceId, 'downloads.json', 'files');
  if (files.length === 0) return null;
  const label = (file: DownloadFile) =>
    file.kind === 'video' ? t('downloadVideo', { quality: file.rendition }) : file.rendition === 'audio' ? t('downloadOriginal') : t('downloadInterpretation', { language: file.rendition.slice('in-'.length) });
  return (
    <nav aria-labelledby="downloads-title" className="chapters">
      <h2 id="downloads-title">{t('downloads')}</h2>
      <ul data-testid="downloads">
        {files.map((file) => (
          <li key={file.name}>
            <a href={`/hls/${encodeURIComponent(conferenceId)}/downloads/${file.name}`} download>{label(file)}</a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

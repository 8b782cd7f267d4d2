import { useEffect, useState } from 'react';
import { useText } from '../common/i18n';

interface DownloadFile {
  name: string;
  rendition: string;
  kind: 'video' | 'audio';
}

/** An ended conference's recording as files to keep: each picture quality with the original sound, and each sound track. */
export function Downloads({ conferenceId }: { conferenceId: string }) {
  const { t } = useText();
  const [files, setFiles] = useState<DownloadFile[]>([]);
  useEffect(() => {
    fetch(`/hls/${encodeURIComponent(conferenceId)}/downloads.json`)
      .then(async (res) => (res.ok ? setFiles(((await res.json()) as { files: DownloadFile[] }).files) : undefined))
      .catch(() => undefined);
  }, [conferenceId]);
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

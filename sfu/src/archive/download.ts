import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runToCompletion } from '../ffmpeg/process';
import { CHAPTERS, MEDIA_PLAYLIST, isRenditionName, isSubtitlesName } from '../hls/names';
import type { ChapterList } from './chapters';

/** One file a recording can be downloaded as. */
export interface DownloadFile {
  /** `720p.mp4` (a video rendition with the original sound), `audio.m4a`, `in-en.m4a` (an interpretation channel). */
  name: string;
  rendition: string;
  kind: 'video' | 'audio';
}

const DOWNLOADS = 'downloads';
/** Remuxing copies: minutes of media take seconds, three hours well under a minute here; give it ten. */
const REMUX_TIMEOUT_MS = 10 * 60_000;

/**
 * A finished recording as one file per rendition, for people who keep it (or put it on
 * another site): the recorded segments remuxed, no re-encode, into MP4 with the chapters
 * (one per speech) when the recording has them. A video rendition carries the original
 * sound; an audio rendition (the original, an interpretation channel) is an M4A. Made on the
 * first request and kept next to the recording; two requests at once make it once.
 */
export class RecordingDownloads {
  private readonly making = new Map<string, Promise<string>>();

  constructor(private readonly dir: string) {}

  /** What this recording can be downloaded as (its renditions with media, not its captions). */
  async files(): Promise<DownloadFile[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const renditions = names.filter((name) => isRenditionName(name) && !isSubtitlesName(name) && existsSync(join(this.dir, name, MEDIA_PLAYLIST))).sort();
    return renditions.map((rendition) => {
      const kind = rendition === 'audio' || rendition.startsWith('in-') ? 'audio' : 'video';
      return { name: `${rendition}.${kind === 'video' ? 'mp4' : 'm4a'}`, rendition, kind };
    });
  }

  /** The file on disk for a download's name (made now if it is not yet); undefined for a name this recording has not. */
  async path(name: string): Promise<string | undefined> {
    const file = (await this.files()).find((f) => f.name === name);
    if (!file) return undefined;
    const target = join(this.dir, DOWNLOADS, file.name);
    if (existsSync(target)) return target;
    let made = this.making.get(file.name);
    if (!made) {
      made = this.make(file, target).finally(() => this.making.delete(file.name));
      this.making.set(file.name, made);
    }
    return made;
  }

  private async make(file: DownloadFile, target: string): Promise<string> {
    await mkdir(join(this.dir, DOWNLOADS), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    const metadata = await this.chapterMetadata(await this.recordedSeconds(file.rendition));
    const inputs = ['-i', join(this.dir, file.rendition, MEDIA_PLAYLIST)];
    if (file.kind === 'video' && existsSync(join(this.dir, 'audio', MEDIA_PLAYLIST))) inputs.push('-i', join(this.dir, 'audio', MEDIA_PLAYLIST));
    const maps = file.kind === 'video' ? ['-map', '0:v:0', ...(inputs.length > 2 ? ['-map', '1:a:0'] : [])] : ['-map', '0:a:0'];
    const chapters = metadata ? ['-i', metadata, '-map_chapters', String(inputs.length / 2)] : [];
    const run = await runToCompletion(
      'ffmpeg',
      ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-allowed_extensions', 'ALL', ...inputs, ...chapters, ...maps, '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', partial],
      REMUX_TIMEOUT_MS,
    );
    if (run.code !== 0) {
      await rm(partial, { force: true });
      throw new Error(`remuxing ${file.name} failed: ${run.stderr.slice(-500)}`);
    }
    await rename(partial, target);
    return target;
  }

  /** How long a rendition's recording is: its segments' durations summed. */
  private async recordedSeconds(rendition: string): Promise<number> {
    const playlist = await readFile(join(this.dir, rendition, MEDIA_PLAYLIST), 'utf8');
    return [...playlist.matchAll(/^#EXTINF:([\d.]+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
  }

  /** The chapters as an ffmetadata file (one per speech: who spoke, the agenda item), if the recording has any. */
  private async chapterMetadata(length: number): Promise<string | undefined> {
    const list = await readFile(join(this.dir, CHAPTERS), 'utf8').then((text) => JSON.parse(text) as ChapterList, () => undefined);
    const chapters = list?.chapters ?? [];
    if (chapters.length === 0) return undefined;
    const escape = (text: string) => text.replace(/[=;#\\\n]/g, (c) => (c === '\n' ? ' ' : `\\${c}`));
    const lines = [';FFMETADATA1'];
    chapters.forEach((chapter, i) => {
      const start = Math.round(chapter.offset * 1000);
      const next = chapters[i + 1];
      // The last chapter runs to the end of the recording (a later end would lengthen the file).
      const end = Math.round((next ? next.offset : length) * 1000);
      lines.push('[CHAPTER]', 'TIMEBASE=1/1000', `START=${start}`, `END=${Math.max(start + 1, end)}`, `title=${escape(chapter.item ? `${chapter.venue} — ${chapter.item}` : chapter.venue)}`);
    });
    const path = join(this.dir, DOWNLOADS, 'chapters.ffmetadata');
    await writeFile(path, `${lines.join('\n')}\n`);
    return path;
  }
}

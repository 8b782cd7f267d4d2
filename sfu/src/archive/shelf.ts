import { existsSync, readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFERENCE_ID } from '@plenary/shared';
import { CHAPTERS, isRenditionName, MEDIA_PLAYLIST, mediaType, MULTIVARIANT_PLAYLIST, parseObjectName } from '../hls/names';


/** A file of a recording: where it is on disk and how to serve it. */
export interface RecordedFile {
  path: string;
  contentType: string;
  /** A playlist (it may still grow while a broadcast records), not an immutable media object. */
  playlist: boolean;
}

/**
 * The recordings on disk: one folder per conference, one folder per broadcast
 * in it, named by its start time (a rebuilt room or a takeover records anew
 * instead of overwriting), one folder per rendition in that. Names are checked
 * as strictly as live ones: nothing else on disk is reachable.
 */
export class RecordingShelf {
  constructor(private readonly archiveDir: string) {}

  /** The folder a broadcast starting now records into. */
  folderFor(conferenceId: string, startedAt = new Date()): string {
    return join(this.archiveDir, conferenceId, startedAt.toISOString().replace(/[:.]/g, '-'));
  }

  /** How many broadcasts of a conference were recorded here. */
  async countOf(conferenceId: string): Promise<number> {
    return readdir(join(this.archiveDir, conferenceId)).then((names) => names.length, () => 0);
  }

  /** The newest recording of a conference (one scan of its folder), if it has one. */
  latest(conferenceId: string): Recording | undefined {
    if (!CONFERENCE_ID.test(conferenceId)) return undefined;
    const folder = join(this.archiveDir, conferenceId);
    if (!existsSync(folder)) return undefined;
    const names = readdirSync(folder).filter((name) => existsSync(join(folder, name, MULTIVARIANT_PLAYLIST))).sort();
    const newest = names[names.length - 1];
    return newest === undefined ? undefined : new Recording(join(folder, newest));
  }
}

/** One broadcast's recording: its multivariant playlist, and per rendition a playlist and media objects. */
export class Recording {
  constructor(readonly dir: string) {}

  /** A file by rendition (none: the multivariant playlist) and name; undefined for a name we never write. */
  file(rendition: string | undefined, name: string): RecordedFile | undefined {
    if (rendition === undefined) {
      if (name === CHAPTERS) return { path: join(this.dir, name), contentType: 'application/json', playlist: true };
      return name === MULTIVARIANT_PLAYLIST ? { path: join(this.dir, name), contentType: 'application/vnd.apple.mpegurl', playlist: true } : undefined;
    }
    if (!isRenditionName(rendition)) return undefined;
    if (name === MEDIA_PLAYLIST) return { path: join(this.dir, rendition, name), contentType: 'application/vnd.apple.mpegurl', playlist: true };
    return parseObjectName(name) ? { path: join(this.dir, rendition, name), contentType: mediaType(rendition), playlist: false } : undefined;
  }
}

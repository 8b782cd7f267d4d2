import { writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';

/** One speech of a recorded conference: who spoke, under which agenda item, from when. */
export interface Chapter {
  venueId: string;
  /** The venue's name when it spoke (as the conference had it). */
  venue: string;
  /** The agenda item in force when it began, if the conference had one. */
  item: string | undefined;
  /** Wall clock of its first frame in the program (ms since the epoch). */
  at: number;
  /** Seconds from the start of the recording: where a player seeks to. */
  offset: number;
}

/** What chapters.json holds. */
export interface ChapterList {
  chapters: Chapter[];
}

/**
 * The chapters of a recording, one per speech, from the program's cuts (the
 * same moments the speaker metadata marks), written next to the recording as
 * chapters.json after every change, so that a recording cut short by a crash
 * still has them. Names and the agenda item come from the conference (the
 * owner's reconcile tells every change); a speech that began before they were
 * known takes them when they are.
 */
export class ChapterBook {
  private readonly chapters: Omit<Chapter, 'offset'>[] = [];
  private names: Readonly<Record<string, string>> = {};
  private item: string | undefined;
  /** Wall clock of the recording's first segment: offset 0. */
  private start: number | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
  ) {}

  /** A new speech begins (a cut to another venue); the program's fallback pictures are no speech. */
  speech(venueId: string, at: number, isVenue: boolean): void {
    if (!isVenue || this.chapters.at(-1)?.venueId === venueId) return;
    this.chapters.push({ venueId, venue: this.names[venueId] ?? '', item: this.item, at });
    this.write();
  }

  /** The conference as it is now: the venues' names and the agenda item in force. */
  follow(names: Readonly<Record<string, string>>, item: string | undefined): void {
    this.names = names;
    this.item = item;
    const latest = this.chapters.at(-1);
    if (latest && (!latest.venue || latest.item === undefined)) {
      latest.venue ||= names[latest.venueId] ?? '';
      latest.item ??= item;
      this.write();
    }
  }

  /** The recording's first segment starts at this wall time. */
  recordingStarts(at: number): void {
    if (this.start !== undefined) return;
    this.start = at;
    this.write();
  }

  /** Resolves when everything is on disk. */
  flushed(): Promise<void> {
    return this.writing;
  }

  private write(): void {
    const start = this.start;
    if (start === undefined) return; // written once the recording has its first segment
    const list: ChapterList = { chapters: this.chapters.map((chapter) => ({ ...chapter, offset: Math.max(0, (chapter.at - start) / 1000) })) };
    this.writing = this.writing
      .then(() => writeFile(this.path, `${JSON.stringify(list, null, 1)}\n`))
      .catch((error: unknown) => this.logger.error({ err: error, path: this.path }, 'could not write the chapters'));
  }
}

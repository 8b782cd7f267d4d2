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
  /** The recording's segments so far (wall clock of their first sample, seconds): where a wall time is in it. */
  private readonly recordedSegments: { at: number; duration: number }[] = [];
  /** How far the recording went at the last write: chapters beyond it had provisional offsets. */
  private writtenUpTo = 0;
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

  /**
   * A segment went into the recording. Offsets count recorded time, not wall time: after an
   * encoder restart the recording has a gap in wall time that it does not have in playback.
   */
  recorded(segment: { programDateTime: number; duration: number }): void {
    this.recordedSegments.push({ at: segment.programDateTime, duration: segment.duration });
    // Chapters that began after what was recorded at the last write had offsets guessed: now known.
    if (this.chapters.some((chapter) => chapter.at >= this.writtenUpTo)) this.write();
  }

  /** Where a wall time is in the recording, seconds from its start. */
  private offsetOf(at: number): number {
    let elapsed = 0;
    for (const segment of this.recordedSegments) {
      if (at < segment.at + segment.duration * 1000) return elapsed + Math.max(0, (at - segment.at) / 1000);
      elapsed += segment.duration;
    }
    const last = this.recordedSegments.at(-1);
    return last ? elapsed + Math.max(0, (at - (last.at + last.duration * 1000)) / 1000) : 0;
  }

  /** Resolves when everything is on disk. */
  flushed(): Promise<void> {
    return this.writing;
  }

  private write(): void {
    const last = this.recordedSegments.at(-1);
    if (!last) return; // written once the recording has its first segment
    this.writtenUpTo = last.at + last.duration * 1000;
    const list: ChapterList = { chapters: this.chapters.map((chapter) => ({ ...chapter, offset: this.offsetOf(chapter.at) })) };
    this.writing = this.writing
      .then(() => writeFile(this.path, `${JSON.stringify(list, null, 1)}\n`))
      .catch((error: unknown) => this.logger.error({ err: error, path: this.path }, 'could not write the chapters'));
  }
}

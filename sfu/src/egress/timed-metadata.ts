import type { DateRange } from '../hls/playlist';
import type { ChapterBook } from '../archive/chapters';
import { SLATE } from '../program/switcher';

/** A venue on the picture from `at`, named as the conference called it then (or none: nobody). */
interface Entry {
  venueId: string | undefined;
  name: string | undefined;
  at: number;
}

/**
 * What the broadcast's playlists say about the picture as timed metadata
 * (EXT-X-DATERANGE): who speaks from when (class com.plenary.speaker, X-VENUE-ID,
 * X-VENUE-NAME), and when the sign-language picture is in the corner (class
 * com.plenary.sign-language, X-STATE on / off, X-VENUE-ID). Keeps what the live
 * window can show, and tells the chapters of every speech.
 */
export class TimedMetadata {
  /** Floor changes as they reached the program (wall time of the new speaker's first frame), newest last. */
  readonly speakers: (Entry & { venueId: string })[] = [];
  private readonly sign: Entry[] = [];

  constructor(
    private readonly horizonMs: number,
    private readonly chapters: ChapterBook | undefined,
  ) {}

  /** A venue's first frame entered the program at `at`. */
  speaker(venueId: string, name: string | undefined, at: number): void {
    this.speakers.push({ venueId, name, at });
    this.chapters?.speech(venueId, at, venueId !== SLATE);
    this.forget(this.speakers);
  }

  /** The sign-language picture went into the corner (a venue) or out of it (none) at `at`. */
  signLanguage(venueId: string | undefined, name: string | undefined, at: number): void {
    this.sign.push({ venueId, name, at });
    this.forget(this.sign);
  }

  /**
   * The venues' names and the agenda item in force, as the conference has them now: the range in
   * force of each class takes a venue's new name (a viewer sees the renamed speaker at once), and
   * so does one that came before any name was known; an earlier speech keeps the name it had.
   */
  nameVenues(names: Readonly<Record<string, string>>, agendaItem?: string): void {
    for (const list of [this.speakers, this.sign]) {
      list.forEach((entry, i) => {
        const inForce = i === list.length - 1;
        if ((inForce || entry.name === undefined) && entry.venueId !== undefined && names[entry.venueId] !== undefined) entry.name = names[entry.venueId];
      });
    }
    this.chapters?.follow(names, agendaItem);
  }

  ranges(): DateRange[] {
    const named = ({ venueId, name }: Entry) => ({ 'venue-id': venueId ?? '', ...(name ? { 'venue-name': name } : {}) });
    return [
      ...this.speakers.map((s) => ({ id: `speaker-${s.at}`, className: 'com.plenary.speaker', startDate: s.at, attributes: named(s) })),
      ...this.sign.map((s) => ({ id: `sign-${s.at}`, className: 'com.plenary.sign-language', startDate: s.at, attributes: s.venueId ? { state: 'on', ...named(s) } : { state: 'off' } })),
    ];
  }

  /** Keeps what the live window can show (and a little more): the newest entry before it stays in force. */
  private forget(list: { at: number }[]): void {
    const horizon = Date.now() - this.horizonMs;
    while (list.length > 1 && (list[1]?.at ?? 0) < horizon) list.shift();
  }
}

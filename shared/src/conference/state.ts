/** A venue id: "main" or "sv-<n>". */
export type VenueId = string;

/** The venue where the presider sits. */
export const MAIN_VENUE: VenueId = 'main';

export interface Venue {
  id: VenueId;
  name: string;
  kind: 'main' | 'sub';
  /** Someone is connected for this venue. */
  present: boolean;
  /** Muted by the presider: the venue's audio is not heard and it may not ask for the floor. */
  mutedByPresider: boolean;
  /** Muted by its own operator. */
  selfMuted: boolean;
  /** Bumped when the presider rotates the venue's join link; older links stop working. */
  linkVersion: number;
}

/**
 * A channel of the broadcast in one language: live captions (a stenographer's or
 * a speech recognizer's, one WebVTT subtitles rendition) or interpretation (an
 * interpreter's voice over the original, one alternate audio rendition).
 */
export interface LanguageChannel {
  /** `cc-<language>` for captions, `in-<language>` for interpretation: one channel per language of each. */
  id: string;
  /** ISO 639 code, lower case (zh, ko, en, ...). */
  language: string;
  /** What the viewers' menu shows, e.g. 中文, 한국어. */
  name: string;
  /** Captioner and interpreter links name it; a channel removed and added again has a new one, so old links stay dead. */
  linkVersion: number;
}

export type CaptionChannel = LanguageChannel;
export type InterpretationChannel = LanguageChannel;

export interface AgendaItem {
  title: string;
  /** The venue that speaks for this item. */
  venueId: VenueId;
  plannedMinutes: number;
}

export interface FloorRequest {
  venueId: VenueId;
  /** When the request was made (ms since the epoch). */
  at: number;
}

/** Who has the floor, since when, and who is waiting for it, in order. */
export interface Floor {
  holder: VenueId;
  since: number;
  queue: FloorRequest[];
}

/**
 * A place the broadcast is pushed to (a TV station's RTMP ingest, say), as everyone in the
 * conference may see it: its address masked. The whole address (with its stream key) is kept
 * apart from the state, by the server's store, and reaches only the process that pushes to it.
 */
export interface Destination {
  id: string;
  /** The address masked: rtmp://live.example.com/app/**** */
  display: string;
  protocol: 'rtmp' | 'rtmps' | 'srt';
  addedAt: number;
}

/**
 * The whole state of one conference. A fold of its events; `version` counts
 * them, so two clients with the same version have the same state.
 */
export interface ConferenceState {
  id: string;
  version: number;
  title: string;
  status: 'live' | 'ended';
  /** Venues by id, main venue included; `venueOrder` keeps their display order. */
  venues: Record<VenueId, Venue>;
  venueOrder: VenueId[];
  /** The number the next sub-venue id takes, so ids are never reused. */
  nextVenueNumber: number;
  agenda: AgendaItem[];
  /** Index of the current agenda item; -1 before the first. */
  currentItem: number;
  /** When the current agenda item started (ms), or null. */
  itemStartedAt: number | null;
  floor: Floor;
  /** Classic chair control: giving the floor mutes every sub-venue but the new speaker. */
  muteOthersOnGive: boolean;
  /** Caption channels by id (absent in conferences stored before captions existed: read with captionChannels). */
  captions?: Record<string, CaptionChannel>;
  /** Interpretation channels by id (absent in conferences stored before interpretation existed). */
  interpretation?: Record<string, InterpretationChannel>;
  /** The sub-venue whose picture (a sign-language interpreter's) is in the broadcast's corner; none: off. */
  signLanguage?: VenueId | null;
  /** Restream destinations by id (absent in conferences stored before restreaming existed). */
  destinations?: Record<string, Destination>;
  /** The number the next destination id takes (rs-<n>), so ids are never reused. */
  nextDestinationNumber?: number;
}

/** A conference's restream destinations, in the order they were added. */
export function destinationsOf(state: ConferenceState): Destination[] {
  return Object.values(state.destinations ?? {}).sort((a, b) => a.addedAt - b.addedAt || a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/** A conference's caption channels (none for one stored before captions existed). */
export function captionChannels(state: ConferenceState): CaptionChannel[] {
  return Object.values(state.captions ?? {});
}

/** A conference's interpretation channels (none for one stored before interpretation existed). */
export function interpretationChannels(state: ConferenceState): InterpretationChannel[] {
  return Object.values(state.interpretation ?? {});
}

/** The venues in display order: main venue first. */
export function venuesInOrder(state: ConferenceState): Venue[] {
  return state.venueOrder.map((id) => state.venues[id]).filter((v): v is Venue => v !== undefined);
}

import { z } from 'zod';
import { ErrorCode, PlenaryError } from '../errors/codes';
import { createConferenceSchema } from '../protocol/commands';
import type { ConferenceEvent } from './events';
import { applyEvent } from './apply';
import { MAIN_VENUE, type ConferenceState, type Venue } from './state';

/** The parsed body of a create request. */
export type CreateConference = z.output<typeof createConferenceSchema>;

/** The state before anything happened; creating a conference moves it to version 1. */
function emptyState(id: string): ConferenceState {
  return {
    id,
    version: 0,
    title: '',
    status: 'live',
    venues: {},
    venueOrder: [],
    nextVenueNumber: 1,
    agenda: [],
    currentItem: -1,
    itemStartedAt: null,
    floor: { holder: MAIN_VENUE, since: 0, queue: [] },
    muteOthersOnGive: false,
    captions: {},
  };
}

const newVenue = (id: string, name: string, kind: Venue['kind']): Venue => ({
  id,
  name,
  kind,
  present: false,
  mutedByPresider: false,
  selfMuted: false,
  linkVersion: 1,
});

/**
 * A new conference: the main venue holds the floor, sub-venues are numbered
 * sv-1, sv-2, ... in the order given. Returns its first event and the state.
 */
export function createConference(id: string, input: CreateConference, now: number): { event: ConferenceEvent; state: ConferenceState } {
  const subVenues = input.subVenues.map((v, i) => newVenue(`sv-${i + 1}`, v.name, 'sub'));
  const agenda = input.agenda.map((item) => {
    if (item.speaker === 'main') return { title: item.title, venueId: MAIN_VENUE, plannedMinutes: item.plannedMinutes };
    const venue = subVenues[item.speaker];
    if (!venue) throw new PlenaryError(ErrorCode.INVALID, `Agenda item "${item.title}" names sub-venue ${item.speaker}, which does not exist`);
    return { title: item.title, venueId: venue.id, plannedMinutes: item.plannedMinutes };
  });
  const venues = [newVenue(MAIN_VENUE, input.mainVenueName, 'main'), ...subVenues];
  const initial: ConferenceState = {
    ...emptyState(id),
    title: input.title,
    venues: Object.fromEntries(venues.map((v) => [v.id, v])),
    venueOrder: venues.map((v) => v.id),
    nextVenueNumber: subVenues.length + 1,
    agenda,
    floor: { holder: MAIN_VENUE, since: now, queue: [] },
    muteOthersOnGive: input.muteOthersOnGive,
  };
  const event: ConferenceEvent = { type: 'conferenceCreated', state: { ...initial, version: 0 } };
  return { event, state: applyEvent(emptyState(id), event) };
}

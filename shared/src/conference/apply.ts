import type { ConferenceEvent } from './events';
import { MAIN_VENUE, type ConferenceState, type Venue, type VenueId } from './state';

function withVenue(state: ConferenceState, venueId: VenueId, change: Partial<Venue>): ConferenceState {
  const venue = state.venues[venueId];
  if (!venue) return state;
  return { ...state, venues: { ...state.venues, [venueId]: { ...venue, ...change } } };
}

function withoutRequest(state: ConferenceState, venueId: VenueId): ConferenceState {
  return { ...state, floor: { ...state.floor, queue: state.floor.queue.filter((r) => r.venueId !== venueId) } };
}

/**
 * Applies one event to the state and bumps the version. Pure and total: the
 * same events in the same order give the same state on the server and on every
 * client.
 */
export function applyEvent(state: ConferenceState, event: ConferenceEvent): ConferenceState {
  const next = reduce(state, event);
  return { ...next, version: state.version + 1 };
}

function reduce(state: ConferenceState, event: ConferenceEvent): ConferenceState {
  switch (event.type) {
    case 'conferenceCreated':
      return event.state;
    case 'venueAdded':
      return {
        ...state,
        venues: { ...state.venues, [event.venue.id]: event.venue },
        venueOrder: [...state.venueOrder, event.venue.id],
        nextVenueNumber: state.nextVenueNumber + 1,
      };
    case 'venueRenamed':
      return withVenue(state, event.venueId, { name: event.name });
    case 'venueRemoved': {
      const { [event.venueId]: _removed, ...venues } = state.venues;
      const rest = withoutRequest(state, event.venueId);
      // A removed venue's picture leaves the broadcast's corner with it.
      const signLanguage = state.signLanguage === event.venueId ? null : state.signLanguage;
      return { ...rest, venues, venueOrder: state.venueOrder.filter((id) => id !== event.venueId), ...(signLanguage !== undefined ? { signLanguage } : {}) };
    }
    case 'venueJoined':
      return withVenue(state, event.venueId, { present: true });
    case 'venueLeft':
      return withoutRequest(withVenue(state, event.venueId, { present: false }), event.venueId);
    case 'floorRequested':
      return {
        ...state,
        floor: { ...state.floor, queue: [...state.floor.queue, { venueId: event.venueId, at: event.at }] },
      };
    case 'floorRequestWithdrawn':
      return withoutRequest(state, event.venueId);
    case 'floorGiven': {
      const rest = withoutRequest(state, event.venueId);
      return { ...rest, floor: { ...rest.floor, holder: event.venueId, since: event.at } };
    }
    case 'venueMuted':
      return withVenue(state, event.venueId, event.by === 'presider' ? { mutedByPresider: event.muted } : { selfMuted: event.muted });
    case 'muteOthersOnGiveSet':
      return { ...state, muteOthersOnGive: event.enabled };
    case 'agendaAdvanced':
      return { ...state, currentItem: event.index, itemStartedAt: event.at };
    case 'linkRotated':
      return withVenue(state, event.venueId, { linkVersion: event.linkVersion });
    case 'captionChannelAdded':
      return { ...state, captions: { ...(state.captions ?? {}), [event.channel.id]: event.channel } };
    case 'captionChannelRemoved': {
      const { [event.channelId]: _removed, ...captions } = state.captions ?? {};
      return { ...state, captions };
    }
    case 'interpretationChannelAdded':
      return { ...state, interpretation: { ...(state.interpretation ?? {}), [event.channel.id]: event.channel } };
    case 'interpretationChannelRemoved': {
      const { [event.channelId]: _removed, ...interpretation } = state.interpretation ?? {};
      return { ...state, interpretation };
    }
    case 'signLanguageSet':
      return { ...state, signLanguage: event.venueId };
    case 'destinationAdded': {
      const number = Number(event.destination.id.slice('rs-'.length));
      const destinations = { ...(state.destinations ?? {}), [event.destination.id]: event.destination };
      return { ...state, destinations, nextDestinationNumber: Math.max(state.nextDestinationNumber ?? 1, number + 1) };
    }
    case 'destinationRemoved': {
      const { [event.destinationId]: _removed, ...destinations } = state.destinations ?? {};
      return { ...state, destinations };
    }
    case 'conferenceEnded':
      return { ...state, status: 'ended', floor: { holder: MAIN_VENUE, since: event.at, queue: [] } };
  }
}

/** Folds a list of events onto a state. */
export function applyEvents(state: ConferenceState, events: readonly ConferenceEvent[]): ConferenceState {
  return events.reduce(applyEvent, state);
}

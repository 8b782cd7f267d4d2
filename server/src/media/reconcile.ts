import { captionChannels, interpretationChannels, isInterpretationChannelId, type ConferenceState } from '@plenary/shared';
import type { ConferenceRoom, DestinationSpec, MediaPlane } from '@plenary/sfu';

/** The restream destinations with their whole addresses (the store keeps them apart from the state). */
export type DestinationsOf = (conferenceId: string) => Promise<DestinationSpec[]>;

/**
 * Makes a room match the conference as stored: a removed venue's media closed,
 * a venue nobody is connected for without its browser's media (a simulated
 * camera stays), every venue's mutes (by the presider, by itself), who has
 * the floor, the venues' names for the broadcast's speaker metadata, and the
 * captions and interpretation channels. Idempotent: the owner runs it when it creates or rebuilds a room
 * (before anyone uses it) and after every stored event. Before, a room first
 * asked for by a browser's media call (after a restart, say) started with the
 * main venue on air and nobody muted, whatever the conference said.
 */
export async function reconcile(room: ConferenceRoom, state: ConferenceState, readAt = Date.now(), destinations?: readonly DestinationSpec[]): Promise<void> {
  // Each interpretation channel has its feed (an audio rendition of the broadcast); a removed one's interpreter goes.
  await reconcileChannels(room, state);
  for (const venueId of room.venueIds()) {
    if (isInterpretationChannelId(venueId)) {
      if (!state.interpretation?.[venueId]) await room.closeVenue(venueId);
      continue;
    }
    const venue = state.venues[venueId];
    if (!venue) await room.closeVenue(venueId);
    // Only what the venue set up before the state was read: a browser back since then stays.
    else if (!venue.present) await room.venueLeft(venueId, readAt);
  }
  for (const venue of Object.values(state.venues)) {
    await room.setMuted(venue.id, 'presider', venue.mutedByPresider);
    await room.setMuted(venue.id, 'self', venue.selfMuted);
  }
  await room.setOnAir(state.floor.holder);
  // The sign-language venue's picture in the broadcast's corner, or none.
  await room.setSignVenue(state.signLanguage ?? undefined);
  // The speaker metadata names venues as the conference does: the names come with the events.
  const agendaItem = state.agenda[state.currentItem]?.title;
  room.nameVenues(Object.fromEntries(Object.values(state.venues).map((venue) => [venue.id, venue.name])), agendaItem);
  // Each captions channel is a subtitles rendition of the broadcast.
  room.setCaptionTracks(captionChannels(state).map(({ id, language, name }) => ({ id, language, name })));
  // Each restream destination gets the broadcast (read with the state: a removed one stops).
  if (destinations) await room.setRestreams(destinations.filter(({ id }) => state.destinations?.[id]));
}

/** The room's interpretation channels as the conference has them (also before its broadcast starts). */
export function reconcileChannels(room: ConferenceRoom, state: ConferenceState): Promise<void> {
  return room.setInterpretationChannels(interpretationChannels(state).map(({ id, language, name }) => ({ id, language, name })));
}

/** Gets a conference's room, reconciled with the stored state: the one way the server reaches a room. */
export type RoomOf = (conferenceId: string) => Promise<ConferenceRoom>;

/**
 * Rooms made on first use (by a venue's media call, a floor change, the demo or
 * a rebuild after a worker died) and reconciled once with the stored state
 * before they are handed out; a reconcile that failed is tried again on the next use.
 */
export function roomsReconciled(media: MediaPlane, stateOf: (conferenceId: string) => Promise<ConferenceState | undefined>, destinationsOf?: DestinationsOf): RoomOf {
  const reconciled = new WeakMap<ConferenceRoom, Promise<void>>();
  return async (conferenceId) => {
    const room = await media.room(conferenceId);
    let ready = reconciled.get(room);
    if (!ready) {
      const readAt = Date.now();
      ready = Promise.all([stateOf(conferenceId), destinationsOf?.(conferenceId)]).then(([state, destinations]) => (state ? reconcile(room, state, readAt, destinations) : undefined));
      reconciled.set(room, ready);
      ready.catch(() => reconciled.get(room) === ready && reconciled.delete(room));
    }
    await ready;
    return room;
  };
}

import type { Command } from '../protocol/commands';
import { destinationProtocol, maskDestination } from '../protocol/destinations';
import { ErrorCode, PlenaryError } from '../errors/codes';
import type { Actor } from './actors';
import type { ConferenceEvent } from './events';
import { MAIN_VENUE, type ConferenceState, type LanguageChannel, type Venue, type VenueId } from './state';

/** Commands the server issues for presence; never accepted from a client. */
export type SystemCommand = { type: 'join'; venueId: VenueId } | { type: 'leave'; venueId: VenueId };

/** How many restream destinations a conference may have (Zoom allows three; a province's TV, news apps and a video site fit). */
export const MAX_DESTINATIONS = 5;

const forbidden = (message: string) => new PlenaryError(ErrorCode.FORBIDDEN, message);
const conflict = (message: string) => new PlenaryError(ErrorCode.CONFLICT, message);

function venueOf(state: ConferenceState, venueId: VenueId): Venue {
  const venue = state.venues[venueId];
  if (!venue) throw new PlenaryError(ErrorCode.NOT_FOUND, `There is no venue ${venueId} in this conference`);
  return venue;
}

function subVenueOf(state: ConferenceState, venueId: VenueId): Venue {
  const venue = venueOf(state, venueId);
  if (venue.kind !== 'sub') throw conflict('The main venue cannot be changed this way');
  return venue;
}

function requirePresider(actor: Actor, what: string): void {
  if (actor.role !== 'presider') throw forbidden(`Only the presider can ${what}`);
}

/** The presider, or the operator of this very venue. */
function requireVenueOrPresider(actor: Actor, venueId: VenueId, what: string): void {
  if (actor.role === 'presider') return;
  if (actor.role === 'operator' && actor.venueId === venueId) return;
  throw forbidden(`Only ${venueId}'s own operator can ${what}`);
}

/** Only the operator of this very venue. */
function requireOwnOperator(actor: Actor, venueId: VenueId, what: string): void {
  if (actor.role === 'operator' && actor.venueId === venueId) return;
  throw forbidden(`Only ${venueId}'s own operator can ${what}`);
}

/** The events of handing the floor to a venue, with classic chair muting when enabled. */
function floorTo(state: ConferenceState, venueId: VenueId, at: number, reason: 'given' | 'agenda'): ConferenceEvent[] {
  const venue = venueOf(state, venueId);
  if (!venue.present && venue.kind === 'sub') throw conflict(`${venue.name} is not connected, so it cannot take the floor`);
  const events: ConferenceEvent[] = [{ type: 'floorGiven', venueId, at, reason }];
  // The new speaker must be heard.
  if (venue.mutedByPresider) events.push({ type: 'venueMuted', venueId, muted: false, by: 'presider' });
  if (state.muteOthersOnGive) {
    for (const other of Object.values(state.venues)) {
      if (other.kind === 'sub' && other.id !== venueId && !other.mutedByPresider) {
        events.push({ type: 'venueMuted', venueId: other.id, muted: true, by: 'presider' });
      }
    }
  }
  return events;
}

/**
 * A new channel in one language (`cc-ko`, `in-ko`): one per language of each kind. Its link
 * version is the conference's next version, so a channel removed and added again has links
 * of its own.
 */
function newChannel(state: ConferenceState, existing: Record<string, LanguageChannel> | undefined, prefix: 'cc' | 'in', command: { language: string; name: string }, what: string): LanguageChannel {
  const id = `${prefix}-${command.language}`;
  if (existing?.[id]) throw conflict(`There is already ${what} in ${command.language}`);
  return { id, language: command.language, name: command.name, linkVersion: state.version + 1 };
}

/** When a venue goes away while holding the floor, the floor returns to the main venue. */
function floorBackIfHeldBy(state: ConferenceState, venueId: VenueId, at: number, reason: 'holderLeft' | 'holderRemoved'): ConferenceEvent[] {
  return state.floor.holder === venueId ? [{ type: 'floorGiven', venueId: MAIN_VENUE, at, reason }] : [];
}

/**
 * Decides what a command does to the conference: the events to append, or a
 * PlenaryError with a stable code (FORBIDDEN, NOT_FOUND, CONFLICT). Pure: the
 * caller passes the time. An empty list means the command changes nothing.
 */
export function decide(state: ConferenceState, command: Command | SystemCommand, actor: Actor, now: number): ConferenceEvent[] {
  if (state.status === 'ended') throw conflict('The conference has ended');

  switch (command.type) {
    case 'join': {
      if (actor.role !== 'system') throw forbidden('Presence is kept by the server');
      return venueOf(state, command.venueId).present ? [] : [{ type: 'venueJoined', venueId: command.venueId }];
    }
    case 'leave': {
      if (actor.role !== 'system') throw forbidden('Presence is kept by the server');
      if (!venueOf(state, command.venueId).present) return [];
      const back = command.venueId === MAIN_VENUE ? [] : floorBackIfHeldBy(state, command.venueId, now, 'holderLeft');
      return [{ type: 'venueLeft', venueId: command.venueId }, ...back];
    }
    case 'addSubVenue': {
      requirePresider(actor, 'add a sub-venue');
      const venue: Venue = {
        id: `sv-${state.nextVenueNumber}`,
        name: command.name,
        kind: 'sub',
        present: false,
        mutedByPresider: false,
        selfMuted: false,
        linkVersion: 1,
      };
      return [{ type: 'venueAdded', venue }];
    }
    case 'renameVenue': {
      requirePresider(actor, 'rename a venue');
      const venue = venueOf(state, command.venueId);
      return venue.name === command.name ? [] : [{ type: 'venueRenamed', venueId: venue.id, name: command.name }];
    }
    case 'removeSubVenue': {
      requirePresider(actor, 'remove a sub-venue');
      subVenueOf(state, command.venueId);
      if (state.agenda.some((item) => item.venueId === command.venueId)) {
        throw conflict('This venue speaks in the agenda; it cannot be removed');
      }
      return [...floorBackIfHeldBy(state, command.venueId, now, 'holderRemoved'), { type: 'venueRemoved', venueId: command.venueId }];
    }
    case 'requestFloor': {
      requireOwnOperator(actor, command.venueId, 'ask for the floor');
      const venue = subVenueOf(state, command.venueId);
      if (!venue.present) throw conflict(`${venue.name} is not connected`);
      if (venue.mutedByPresider) throw conflict(`${venue.name} is muted by the presider and cannot ask for the floor`);
      if (state.floor.holder === venue.id) throw conflict(`${venue.name} already has the floor`);
      if (state.floor.queue.some((r) => r.venueId === venue.id)) throw conflict(`${venue.name} has already asked for the floor`);
      return [{ type: 'floorRequested', venueId: venue.id, at: now }];
    }
    case 'withdrawRequest': {
      requireOwnOperator(actor, command.venueId, 'withdraw its request');
      venueOf(state, command.venueId);
      const queued = state.floor.queue.some((r) => r.venueId === command.venueId);
      return queued ? [{ type: 'floorRequestWithdrawn', venueId: command.venueId, declined: false }] : [];
    }
    case 'declineRequest': {
      requirePresider(actor, 'decline a request for the floor');
      venueOf(state, command.venueId);
      if (!state.floor.queue.some((r) => r.venueId === command.venueId)) throw conflict('That venue has not asked for the floor');
      return [{ type: 'floorRequestWithdrawn', venueId: command.venueId, declined: true }];
    }
    case 'giveFloor': {
      requirePresider(actor, 'give the floor');
      if (state.floor.holder === command.venueId) return [];
      return floorTo(state, command.venueId, now, 'given');
    }
    case 'revokeFloor': {
      requirePresider(actor, 'revoke the floor');
      if (state.floor.holder === MAIN_VENUE) return [];
      return [{ type: 'floorGiven', venueId: MAIN_VENUE, at: now, reason: 'revoked' }];
    }
    case 'setMuted': {
      requirePresider(actor, 'mute or unmute a venue');
      const venue = venueOf(state, command.venueId);
      if (venue.mutedByPresider === command.muted) return [];
      const events: ConferenceEvent[] = [{ type: 'venueMuted', venueId: venue.id, muted: command.muted, by: 'presider' }];
      // A venue muted by the presider loses its place in the queue.
      if (command.muted && state.floor.queue.some((r) => r.venueId === venue.id)) {
        events.push({ type: 'floorRequestWithdrawn', venueId: venue.id, declined: true });
      }
      return events;
    }
    case 'setSelfMuted': {
      requireVenueOrPresider(actor, command.venueId, 'mute its own microphone');
      if (actor.role === 'presider' && command.venueId !== MAIN_VENUE) throw forbidden('The presider mutes other venues with setMuted');
      const venue = venueOf(state, command.venueId);
      return venue.selfMuted === command.muted ? [] : [{ type: 'venueMuted', venueId: venue.id, muted: command.muted, by: 'self' }];
    }
    case 'setMuteOthersOnGive': {
      requirePresider(actor, 'change how the floor is given');
      return state.muteOthersOnGive === command.enabled ? [] : [{ type: 'muteOthersOnGiveSet', enabled: command.enabled }];
    }
    case 'advanceAgenda': {
      requirePresider(actor, 'advance the agenda');
      const index = state.currentItem + 1;
      const item = state.agenda[index];
      if (!item) throw conflict('The agenda has no further item');
      const events: ConferenceEvent[] = [{ type: 'agendaAdvanced', index, at: now }];
      if (command.giveFloor && state.floor.holder !== item.venueId) events.push(...floorTo(state, item.venueId, now, 'agenda'));
      return events;
    }
    case 'rotateLink': {
      requirePresider(actor, "rotate a venue's join link");
      const venue = subVenueOf(state, command.venueId);
      return [{ type: 'linkRotated', venueId: venue.id, linkVersion: venue.linkVersion + 1 }];
    }
    case 'addCaptionChannel': {
      requirePresider(actor, 'add a captions channel');
      const channel = newChannel(state, state.captions, 'cc', command, 'a captions channel');
      return [{ type: 'captionChannelAdded', channel }];
    }
    case 'removeCaptionChannel': {
      requirePresider(actor, 'remove a captions channel');
      if (!state.captions?.[command.channelId]) throw new PlenaryError(ErrorCode.NOT_FOUND, `There is no captions channel ${command.channelId}`);
      return [{ type: 'captionChannelRemoved', channelId: command.channelId }];
    }
    case 'addInterpretationChannel': {
      requirePresider(actor, 'add an interpretation channel');
      const channel = newChannel(state, state.interpretation, 'in', command, 'an interpretation channel');
      return [{ type: 'interpretationChannelAdded', channel }];
    }
    case 'removeInterpretationChannel': {
      requirePresider(actor, 'remove an interpretation channel');
      if (!state.interpretation?.[command.channelId]) throw new PlenaryError(ErrorCode.NOT_FOUND, `There is no interpretation channel ${command.channelId}`);
      return [{ type: 'interpretationChannelRemoved', channelId: command.channelId }];
    }
    case 'setSignLanguage': {
      requirePresider(actor, 'show a sign-language picture');
      if (command.venueId !== null) subVenueOf(state, command.venueId);
      return (state.signLanguage ?? null) === command.venueId ? [] : [{ type: 'signLanguageSet', venueId: command.venueId }];
    }
    case 'addDestination': {
      requirePresider(actor, 'add a restream destination');
      if (Object.keys(state.destinations ?? {}).length >= MAX_DESTINATIONS) {
        throw conflict(`A conference streams to at most ${MAX_DESTINATIONS} destinations; remove one first`);
      }
      const destination = { id: `rs-${state.nextDestinationNumber ?? 1}`, display: maskDestination(command.url), protocol: destinationProtocol(command.url), addedAt: now };
      return [{ type: 'destinationAdded', destination }];
    }
    case 'removeDestination': {
      requirePresider(actor, 'remove a restream destination');
      if (!state.destinations?.[command.destinationId]) throw new PlenaryError(ErrorCode.NOT_FOUND, `There is no destination ${command.destinationId}`);
      return [{ type: 'destinationRemoved', destinationId: command.destinationId }];
    }
    case 'endConference': {
      requirePresider(actor, 'end the conference');
      return [{ type: 'conferenceEnded', at: now }];
    }
  }
}

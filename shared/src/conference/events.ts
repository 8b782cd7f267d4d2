import type { AgendaItem, CaptionChannel, ConferenceState, Destination, InterpretationChannel, Venue, VenueId } from './state';

/** Why the floor moved, so the console and the logs can say it. */
export type FloorReason = 'given' | 'revoked' | 'agenda' | 'holderLeft' | 'holderRemoved';

/**
 * Everything that can happen to a conference. State is the fold of these; each
 * carries what is needed to apply it without looking anything up elsewhere.
 */
export type ConferenceEvent =
  | { type: 'conferenceCreated'; state: ConferenceState }
  | { type: 'venueAdded'; venue: Venue }
  | { type: 'venueRenamed'; venueId: VenueId; name: string }
  | { type: 'venueRemoved'; venueId: VenueId }
  | { type: 'venueJoined'; venueId: VenueId }
  | { type: 'venueLeft'; venueId: VenueId }
  | { type: 'floorRequested'; venueId: VenueId; at: number }
  | { type: 'floorRequestWithdrawn'; venueId: VenueId; declined: boolean }
  | { type: 'floorGiven'; venueId: VenueId; at: number; reason: FloorReason }
  | { type: 'venueMuted'; venueId: VenueId; muted: boolean; by: 'presider' | 'self' }
  | { type: 'muteOthersOnGiveSet'; enabled: boolean }
  | { type: 'agendaAdvanced'; index: number; at: number }
  | { type: 'linkRotated'; venueId: VenueId; linkVersion: number }
  | { type: 'captionChannelAdded'; channel: CaptionChannel }
  | { type: 'captionChannelRemoved'; channelId: string }
  | { type: 'interpretationChannelAdded'; channel: InterpretationChannel }
  | { type: 'interpretationChannelRemoved'; channelId: string }
  | { type: 'signLanguageSet'; venueId: VenueId | null }
  | { type: 'destinationAdded'; destination: Destination }
  | { type: 'destinationRemoved'; destinationId: string }
  | { type: 'conferenceEnded'; at: number };

export type ConferenceEventType = ConferenceEvent['type'];

/** An event as stored and sent: numbered with the state version it produces. */
export interface VersionedEvent {
  conferenceId: string;
  version: number;
  event: ConferenceEvent;
}

/** Agenda items as the model stores them. */
export type { AgendaItem };

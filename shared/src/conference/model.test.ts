import { PlenaryError } from '../errors/codes';
import type { Command } from '../protocol/commands';
import { createConferenceSchema } from '../protocol/commands';
import { PRESIDER, SYSTEM, type Actor } from './actors';
import { applyEvents } from './apply';
import { createConference } from './create';
import { decide, type SystemCommand } from './decide';
import type { ConferenceEvent } from './events';
import { MAIN_VENUE, type ConferenceState } from './state';

const T0 = Date.UTC(2026, 10, 26, 9, 0, 0);
const operator = (venueId: string): Actor => ({ role: 'operator', venueId });

function newConference(overrides: Partial<Parameters<typeof createConferenceSchema.parse>[0]> = {}): ConferenceState {
  const input = createConferenceSchema.parse({
    title: 'Provincial Conference',
    mainVenueName: 'Changchun main hall',
    subVenues: [{ name: 'Jilin City' }, { name: 'Siping' }, { name: 'Yanji' }],
    agenda: [
      { title: 'Opening', speaker: 'main', plannedMinutes: 5 },
      { title: 'Report from Siping', speaker: 1, plannedMinutes: 10 },
    ],
    ...overrides,
  });
  return createConference('prov', input, T0).state;
}

/** Runs a command and returns the state after its events. */
function run(state: ConferenceState, command: Command | SystemCommand, actor: Actor, at = T0 + 1000): ConferenceState {
  return applyEvents(state, decide(state, command, actor, at));
}

/** The error code a command is refused with. */
function refusal(state: ConferenceState, command: Command | SystemCommand, actor: Actor): string {
  try {
    decide(state, command, actor, T0);
  } catch (error) {
    if (error instanceof PlenaryError) return error.code;
    throw error;
  }
  throw new Error(`${command.type} was not refused`);
}

/** A conference where every sub-venue is connected. */
function allPresent(): ConferenceState {
  return ['sv-1', 'sv-2', 'sv-3'].reduce((s, venueId) => run(s, { type: 'join', venueId }, SYSTEM), newConference());
}

describe('creating a conference', () => {
  it('starts at version 1 with the main venue holding the floor and sub-venues numbered in order', () => {
    const state = newConference();
    expect(state.version).toBe(1);
    expect(state.floor).toEqual({ holder: MAIN_VENUE, since: T0, queue: [] });
    expect(state.venueOrder).toEqual(['main', 'sv-1', 'sv-2', 'sv-3']);
    expect(state.venues['sv-2']).toMatchObject({ name: 'Siping', kind: 'sub', present: false, linkVersion: 1 });
    expect(state.agenda[1]).toEqual({ title: 'Report from Siping', venueId: 'sv-2', plannedMinutes: 10 });
    expect(state.currentItem).toBe(-1);
  });

  it('refuses an agenda item whose speaker is not one of the sub-venues', () => {
    expect(() => newConference({ agenda: [{ title: 'Ghost', speaker: 7, plannedMinutes: 5 }] })).toThrow(
      expect.objectContaining({ code: 'INVALID' }),
    );
  });
});

describe('presence', () => {
  it('is kept by the server only', () => {
    const state = newConference();
    expect(refusal(state, { type: 'join', venueId: 'sv-1' }, operator('sv-1'))).toBe('FORBIDDEN');
    expect(refusal(state, { type: 'join', venueId: 'sv-1' }, PRESIDER)).toBe('FORBIDDEN');
    expect(run(state, { type: 'join', venueId: 'sv-1' }, SYSTEM).venues['sv-1']?.present).toBe(true);
  });

  it('changes nothing when a venue that is present joins again', () => {
    const state = allPresent();
    expect(decide(state, { type: 'join', venueId: 'sv-1' }, SYSTEM, T0)).toEqual([]);
  });
});

describe('asking for the floor', () => {
  it('queues requests in the order they arrive', () => {
    let state = allPresent();
    state = run(state, { type: 'requestFloor', venueId: 'sv-3' }, operator('sv-3'), T0 + 1);
    state = run(state, { type: 'requestFloor', venueId: 'sv-1' }, operator('sv-1'), T0 + 2);
    expect(state.floor.queue).toEqual([
      { venueId: 'sv-3', at: T0 + 1 },
      { venueId: 'sv-1', at: T0 + 2 },
    ]);
  });

  it('is only for a venue\'s own operator', () => {
    const state = allPresent();
    expect(refusal(state, { type: 'requestFloor', venueId: 'sv-2' }, operator('sv-1'))).toBe('FORBIDDEN');
    expect(refusal(state, { type: 'requestFloor', venueId: 'sv-2' }, PRESIDER)).toBe('FORBIDDEN');
  });

  it('is refused for a venue that is not connected, muted by the presider, already queued or already speaking', () => {
    expect(refusal(newConference(), { type: 'requestFloor', venueId: 'sv-1' }, operator('sv-1'))).toBe('CONFLICT');
    const muted = run(allPresent(), { type: 'setMuted', venueId: 'sv-1', muted: true }, PRESIDER);
    expect(refusal(muted, { type: 'requestFloor', venueId: 'sv-1' }, operator('sv-1'))).toBe('CONFLICT');
    const queued = run(allPresent(), { type: 'requestFloor', venueId: 'sv-1' }, operator('sv-1'));
    expect(refusal(queued, { type: 'requestFloor', venueId: 'sv-1' }, operator('sv-1'))).toBe('CONFLICT');
    const speaking = run(allPresent(), { type: 'giveFloor', venueId: 'sv-1' }, PRESIDER);
    expect(refusal(speaking, { type: 'requestFloor', venueId: 'sv-1' }, operator('sv-1'))).toBe('CONFLICT');
  });

  it('can be withdrawn by the venue or declined by the presider', () => {
    let state = run(allPresent(), { type: 'requestFloor', venueId: 'sv-1' }, operator('sv-1'));
    state = run(state, { type: 'requestFloor', venueId: 'sv-2' }, operator('sv-2'));
    state = run(state, { type: 'withdrawRequest', venueId: 'sv-1' }, operator('sv-1'));
    expect(state.floor.queue.map((r) => r.venueId)).toEqual(['sv-2']);
    expect(refusal(state, { type: 'declineRequest', venueId: 'sv-2' }, operator('sv-2'))).toBe('FORBIDDEN');
    state = run(state, { type: 'declineRequest', venueId: 'sv-2' }, PRESIDER);
    expect(state.floor.queue).toEqual([]);
    expect(refusal(state, { type: 'declineRequest', venueId: 'sv-2' }, PRESIDER)).toBe('CONFLICT');
  });
});

describe('giving the floor', () => {
  it('is for the presider alone', () => {
    const state = allPresent();
    expect(refusal(state, { type: 'giveFloor', venueId: 'sv-1' }, operator('sv-1'))).toBe('FORBIDDEN');
    expect(refusal(state, { type: 'revokeFloor' }, operator('sv-1'))).toBe('FORBIDDEN');
  });

  it('moves the floor to the venue, takes it out of the queue and records since when', () => {
    let state = run(allPresent(), { type: 'requestFloor', venueId: 'sv-2' }, operator('sv-2'));
    state = run(state, { type: 'giveFloor', venueId: 'sv-2' }, PRESIDER, T0 + 5000);
    expect(state.floor).toEqual({ holder: 'sv-2', since: T0 + 5000, queue: [] });
  });

  it('refuses a venue that left or never existed', () => {
    let state = run(allPresent(), { type: 'leave', venueId: 'sv-3' }, SYSTEM);
    expect(refusal(state, { type: 'giveFloor', venueId: 'sv-3' }, PRESIDER)).toBe('CONFLICT');
    expect(refusal(state, { type: 'giveFloor', venueId: 'sv-99' }, PRESIDER)).toBe('NOT_FOUND');
    state = run(state, { type: 'giveFloor', venueId: 'sv-1' }, PRESIDER);
    expect(state.floor.holder).toBe('sv-1');
  });

  it('unmutes a speaker the presider had muted', () => {
    let state = run(allPresent(), { type: 'setMuted', venueId: 'sv-1', muted: true }, PRESIDER);
    state = run(state, { type: 'giveFloor', venueId: 'sv-1' }, PRESIDER);
    expect(state.venues['sv-1']?.mutedByPresider).toBe(false);
  });

  it('mutes every other sub-venue but never the main venue when "give floor mutes the others" is on', () => {
    let state = run(allPresent(), { type: 'setMuteOthersOnGive', enabled: true }, PRESIDER);
    state = run(state, { type: 'giveFloor', venueId: 'sv-2' }, PRESIDER);
    expect(state.venues['sv-1']?.mutedByPresider).toBe(true);
    expect(state.venues['sv-3']?.mutedByPresider).toBe(true);
    expect(state.venues['sv-2']?.mutedByPresider).toBe(false);
    expect(state.venues.main?.mutedByPresider).toBe(false);
  });

  it('returns to the main venue when revoked, and revoking twice changes nothing', () => {
    let state = run(allPresent(), { type: 'giveFloor', venueId: 'sv-1' }, PRESIDER);
    state = run(state, { type: 'revokeFloor' }, PRESIDER);
    expect(state.floor.holder).toBe(MAIN_VENUE);
    expect(decide(state, { type: 'revokeFloor' }, PRESIDER, T0)).toEqual([]);
  });

  it('falls back to the main venue when the speaker\'s venue drops', () => {
    let state = run(allPresent(), { type: 'requestFloor', venueId: 'sv-3' }, operator('sv-3'));
    state = run(state, { type: 'giveFloor', venueId: 'sv-1' }, PRESIDER);
    const events = decide(state, { type: 'leave', venueId: 'sv-1' }, SYSTEM, T0 + 9000);
    expect(events).toContainEqual({ type: 'floorGiven', venueId: MAIN_VENUE, at: T0 + 9000, reason: 'holderLeft' });
    state = applyEvents(state, events);
    expect(state.floor.holder).toBe(MAIN_VENUE);
    expect(state.floor.queue.map((r) => r.venueId)).toEqual(['sv-3']);
  });

  it('drops a departing venue\'s request from the queue', () => {
    let state = run(allPresent(), { type: 'requestFloor', venueId: 'sv-3' }, operator('sv-3'));
    state = run(state, { type: 'leave', venueId: 'sv-3' }, SYSTEM);
    expect(state.floor.queue).toEqual([]);
  });
});

describe('muting', () => {
  it('lets the presider mute any venue, and muting a queued venue drops its request', () => {
    let state = run(allPresent(), { type: 'requestFloor', venueId: 'sv-1' }, operator('sv-1'));
    state = run(state, { type: 'setMuted', venueId: 'sv-1', muted: true }, PRESIDER);
    expect(state.venues['sv-1']?.mutedByPresider).toBe(true);
    expect(state.floor.queue).toEqual([]);
  });

  it('lets an operator mute its own venue only, and never undo the presider\'s mute', () => {
    let state = allPresent();
    expect(refusal(state, { type: 'setMuted', venueId: 'sv-2', muted: true }, operator('sv-1'))).toBe('FORBIDDEN');
    expect(refusal(state, { type: 'setMuted', venueId: 'sv-1', muted: false }, operator('sv-1'))).toBe('FORBIDDEN');
    expect(refusal(state, { type: 'setSelfMuted', venueId: 'sv-2', muted: true }, operator('sv-1'))).toBe('FORBIDDEN');
    state = run(state, { type: 'setSelfMuted', venueId: 'sv-1', muted: true }, operator('sv-1'));
    expect(state.venues['sv-1']).toMatchObject({ selfMuted: true, mutedByPresider: false });
  });
});

describe('the agenda', () => {
  it('advances item by item, handing the floor to each item\'s venue when asked', () => {
    let state = run(allPresent(), { type: 'advanceAgenda', giveFloor: true }, PRESIDER, T0 + 10);
    expect(state).toMatchObject({ currentItem: 0, itemStartedAt: T0 + 10 });
    expect(state.floor.holder).toBe(MAIN_VENUE);
    state = run(state, { type: 'advanceAgenda', giveFloor: true }, PRESIDER, T0 + 20);
    expect(state.currentItem).toBe(1);
    expect(state.floor).toMatchObject({ holder: 'sv-2', since: T0 + 20 });
    expect(refusal(state, { type: 'advanceAgenda', giveFloor: false }, PRESIDER)).toBe('CONFLICT');
  });

  it('advances without moving the floor when not asked to', () => {
    let state = run(allPresent(), { type: 'advanceAgenda', giveFloor: false }, PRESIDER);
    state = run(state, { type: 'advanceAgenda', giveFloor: false }, PRESIDER);
    expect(state.floor.holder).toBe(MAIN_VENUE);
  });
});

describe('venues and links', () => {
  it('adds, renames and removes sub-venues, never reusing an id', () => {
    let state = run(allPresent(), { type: 'addSubVenue', name: 'Baishan' }, PRESIDER);
    expect(state.venues['sv-4']?.name).toBe('Baishan');
    state = run(state, { type: 'renameVenue', venueId: 'sv-4', name: 'Baishan City' }, PRESIDER);
    state = run(state, { type: 'removeSubVenue', venueId: 'sv-4' }, PRESIDER);
    expect(state.venues['sv-4']).toBeUndefined();
    state = run(state, { type: 'addSubVenue', name: 'Tonghua' }, PRESIDER);
    expect(state.venueOrder).toEqual(['main', 'sv-1', 'sv-2', 'sv-3', 'sv-5']);
  });

  it('returns the floor to the main venue before removing the venue that held it', () => {
    let state = run(allPresent(), { type: 'giveFloor', venueId: 'sv-3' }, PRESIDER);
    state = run(state, { type: 'removeSubVenue', venueId: 'sv-3' }, PRESIDER);
    expect(state.floor.holder).toBe(MAIN_VENUE);
  });

  it('refuses to remove the main venue or a venue the agenda needs, or to let an operator do it', () => {
    const state = allPresent();
    expect(refusal(state, { type: 'removeSubVenue', venueId: 'main' }, PRESIDER)).toBe('CONFLICT');
    expect(refusal(state, { type: 'removeSubVenue', venueId: 'sv-2' }, PRESIDER)).toBe('CONFLICT');
    expect(refusal(state, { type: 'removeSubVenue', venueId: 'sv-1' }, operator('sv-1'))).toBe('FORBIDDEN');
    expect(refusal(state, { type: 'addSubVenue', name: 'Mine' }, operator('sv-1'))).toBe('FORBIDDEN');
  });

  it('bumps a venue\'s link version when the presider rotates its link', () => {
    const state = run(allPresent(), { type: 'rotateLink', venueId: 'sv-1' }, PRESIDER);
    expect(state.venues['sv-1']?.linkVersion).toBe(2);
    expect(refusal(state, { type: 'rotateLink', venueId: 'sv-1' }, operator('sv-1'))).toBe('FORBIDDEN');
  });
});

describe('ending', () => {
  it('is for the presider, and afterwards every command is refused', () => {
    let state = allPresent();
    expect(refusal(state, { type: 'endConference' }, operator('sv-1'))).toBe('FORBIDDEN');
    state = run(state, { type: 'endConference' }, PRESIDER);
    expect(state.status).toBe('ended');
    expect(refusal(state, { type: 'giveFloor', venueId: 'sv-1' }, PRESIDER)).toBe('CONFLICT');
    expect(refusal(state, { type: 'join', venueId: 'sv-1' }, SYSTEM)).toBe('CONFLICT');
  });
});

describe('state as a fold of events', () => {
  it('counts every event in the version and rebuilds the same state from the same events', () => {
    const created = createConference('prov', createConferenceSchema.parse({
      title: 'T', mainVenueName: 'Main', subVenues: [{ name: 'A' }, { name: 'B' }],
    }), T0);
    const log: ConferenceEvent[] = [created.event];
    let state = created.state;
    const step = (command: Command | SystemCommand, actor: Actor) => {
      const events = decide(state, command, actor, T0 + log.length);
      log.push(...events);
      state = applyEvents(state, events);
    };
    step({ type: 'join', venueId: 'sv-1' }, SYSTEM);
    step({ type: 'join', venueId: 'sv-2' }, SYSTEM);
    step({ type: 'requestFloor', venueId: 'sv-2' }, operator('sv-2'));
    step({ type: 'giveFloor', venueId: 'sv-2' }, PRESIDER);
    step({ type: 'setMuted', venueId: 'sv-1', muted: true }, PRESIDER);
    expect(state.version).toBe(log.length);
    const rebuilt = applyEvents({ ...created.state, version: 0 }, log);
    expect(rebuilt).toEqual(state);
  });
});

describe('caption channels', () => {
  it('are added by the presider, one per language, and a removed one comes back with a new link version', () => {
    let state = run(newConference(), { type: 'addCaptionChannel', language: 'zh', name: '中文' }, PRESIDER);
    expect(state.captions?.['cc-zh']).toMatchObject({ id: 'cc-zh', language: 'zh', name: '中文' });
    const first = state.captions?.['cc-zh']?.linkVersion as number;
    expect(refusal(state, { type: 'addCaptionChannel', language: 'zh', name: 'Chinese' }, PRESIDER)).toBe('CONFLICT');
    state = run(state, { type: 'removeCaptionChannel', channelId: 'cc-zh' }, PRESIDER);
    expect(state.captions?.['cc-zh']).toBeUndefined();
    expect(refusal(state, { type: 'removeCaptionChannel', channelId: 'cc-zh' }, PRESIDER)).toBe('NOT_FOUND');
    state = run(state, { type: 'addCaptionChannel', language: 'zh', name: '中文' }, PRESIDER);
    // A captioner link of the removed channel names the old version: it stays dead.
    expect(state.captions?.['cc-zh']?.linkVersion).toBeGreaterThan(first);
  });

  it('are the presider\'s alone', () => {
    const state = newConference();
    expect(refusal(state, { type: 'addCaptionChannel', language: 'ko', name: '한국어' }, operator('sv-1'))).toBe('FORBIDDEN');
    const withKo = run(state, { type: 'addCaptionChannel', language: 'ko', name: '한국어' }, PRESIDER);
    expect(refusal(withKo, { type: 'removeCaptionChannel', channelId: 'cc-ko' }, operator('sv-1'))).toBe('FORBIDDEN');
  });

  it('apply to a conference stored before captions existed', () => {
    const { captions: _none, ...old } = newConference();
    const state = run(old as ConferenceState, { type: 'addCaptionChannel', language: 'en', name: 'English' }, PRESIDER);
    expect(Object.keys(state.captions ?? {})).toEqual(['cc-en']);
  });
});


describe('the sign-language picture', () => {
  it('is one sub-venue the presider chooses, or none; a removed venue takes it out', () => {
    let state = run(newConference(), { type: 'setSignLanguage', venueId: 'sv-3' }, PRESIDER);
    expect(state.signLanguage).toBe('sv-3');
    expect(decide(state, { type: 'setSignLanguage', venueId: 'sv-3' }, PRESIDER, T0)).toEqual([]);
    expect(refusal(state, { type: 'setSignLanguage', venueId: 'sv-9' }, PRESIDER)).toBe('NOT_FOUND');
    expect(refusal(state, { type: 'setSignLanguage', venueId: MAIN_VENUE }, PRESIDER)).toBe('CONFLICT');
    expect(refusal(state, { type: 'setSignLanguage', venueId: null }, operator('sv-3'))).toBe('FORBIDDEN');
    state = run(state, { type: 'removeSubVenue', venueId: 'sv-3' }, PRESIDER);
    expect(state.signLanguage).toBeNull();
    state = run(state, { type: 'setSignLanguage', venueId: 'sv-1' }, PRESIDER);
    state = run(state, { type: 'setSignLanguage', venueId: null }, PRESIDER);
    expect(state.signLanguage).toBeNull();
  });
});

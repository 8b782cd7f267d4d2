import { createConferenceSchema } from '../protocol/commands';
import { PRESIDER, SYSTEM } from './actors';
import { applyEvents } from './apply';
import { createConference } from './create';
import { decide } from './decide';
import type { VersionedEvent } from './events';
import { ConferenceMirror } from './mirror';

function scenario() {
  let state = createConference('c', createConferenceSchema.parse({ title: 'T', mainVenueName: 'Main', subVenues: [{ name: 'A' }] }), 0).state;
  const start = state;
  const versioned: VersionedEvent[] = [];
  const push = (events: ReturnType<typeof decide>) => {
    for (const event of events) {
      state = applyEvents(state, [event]);
      versioned.push({ conferenceId: 'c', version: state.version, event });
    }
  };
  push(decide(state, { type: 'join', venueId: 'sv-1' }, SYSTEM, 1));
  push(decide(state, { type: 'giveFloor', venueId: 'sv-1' }, PRESIDER, 2));
  push(decide(state, { type: 'setMuted', venueId: 'main', muted: true }, PRESIDER, 3));
  return { start, end: state, versioned };
}

describe('a client\'s mirror of the conference', () => {
  it('applies events in version order even when they arrive out of order', () => {
    const { start, end, versioned } = scenario();
    const mirror = new ConferenceMirror();
    mirror.reset(start);
    const [e2, e3, e4] = versioned;
    expect(mirror.receive(e3!)).toBe('buffered');
    expect(mirror.hasGap).toBe(true);
    expect(mirror.receive(e4!)).toBe('buffered');
    expect(mirror.receive(e2!)).toBe('applied');
    expect(mirror.hasGap).toBe(false);
    expect(mirror.state).toEqual(end);
  });

  it('ignores an event it already has', () => {
    const { start, versioned } = scenario();
    const mirror = new ConferenceMirror();
    mirror.reset(start);
    mirror.receive(versioned[0]!);
    expect(mirror.receive(versioned[0]!)).toBe('stale');
    expect(mirror.state?.version).toBe(start.version + 1);
  });

  it('closes a gap with a newer snapshot and never goes back to an older one', () => {
    const { start, end, versioned } = scenario();
    const mirror = new ConferenceMirror();
    mirror.reset(start);
    mirror.receive(versioned[2]!);
    mirror.reset(end);
    expect(mirror.hasGap).toBe(false);
    expect(mirror.state).toEqual(end);
    mirror.reset(start);
    expect(mirror.state).toEqual(end);
  });
});

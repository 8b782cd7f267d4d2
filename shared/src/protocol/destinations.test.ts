import { PlenaryError } from '../errors/codes';
import { PRESIDER, type Actor } from '../conference/actors';
import { applyEvents } from '../conference/apply';
import { createConference } from '../conference/create';
import { MAX_DESTINATIONS, decide } from '../conference/decide';
import { destinationsOf, type ConferenceState } from '../conference/state';
import { commandSchema, createConferenceSchema, type Command } from './commands';
import { destinationUrlSchema, isPrivateDestination, maskDestination } from './destinations';

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);
const conference = () => createConference('prov', createConferenceSchema.parse({ title: 'Provincial Conference', mainVenueName: 'Changchun', subVenues: [{ name: 'Jilin City' }] }), T0).state;
const run = (state: ConferenceState, command: Command, actor: Actor = PRESIDER) => applyEvents(state, decide(state, command, actor, T0 + 1000));
const refusal = (state: ConferenceState, command: Command, actor: Actor = PRESIDER) => {
  try {
    decide(state, command, actor, T0);
    return 'accepted';
  } catch (error) {
    return error instanceof PlenaryError ? error.code : String(error);
  }
};
const problem = (url: string) => {
  const parsed = destinationUrlSchema.safeParse(url);
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
};

describe('a restream destination\'s address', () => {
  it('takes rtmp, rtmps and srt addresses and says what is wrong with anything else, in words a presider understands', () => {
    for (const ok of ['rtmp://live.example.com/app/key-123', 'rtmps://live-api-s.facebook.com:443/rtmp/FB-1-2', 'srt://ingest.example.com:9000?streamid=abc&passphrase=0123456789', ' rtmp://127.0.0.1:1935/live/x ']) {
      expect(problem(ok)).toBeUndefined();
    }
    expect(problem('live.example.com/app/key')).toMatch(/not a streaming address.*rtmp:\/\/live\.example\.com/);
    expect(problem('https://example.com/live')).toBe('Plenary streams to rtmp://, rtmps:// and srt:// addresses, not https://');
    expect(problem('file:///etc/passwd')).toMatch(/not file:/);
    expect(problem('rtmp://live.example.com')).toMatch(/needs an application and a stream key/);
    expect(problem('rtmp://live.example.com/app/key -re -i /etc/passwd')).toMatch(/no spaces/);
    expect(problem(`rtmp://h/app/${'k'.repeat(1100)}`)).toMatch(/at most 1024/);
  });

  it('is shown masked: the host and application, never the key, the user or SRT\'s passphrase', () => {
    expect(maskDestination('rtmp://live.example.com/app/key-123')).toBe('rtmp://live.example.com/app/****');
    expect(maskDestination('rtmps://user:pw@live.example.com:443/rtmp/FB-1-2?s_bl=1')).toBe('rtmps://live.example.com:443/rtmp/****');
    expect(maskDestination('srt://ingest.example.com:9000?streamid=abc&passphrase=0123456789')).toBe('srt://ingest.example.com:9000?****');
  });
});

describe('restream destinations in the conference', () => {
  it('are the presider\'s to add and remove; the state keeps the masked address only, under ids never reused', () => {
    const url = 'rtmp://live.example.com/app/secret-key';
    let state = run(conference(), { type: 'addDestination', url });
    expect(destinationsOf(state)).toEqual([{ id: 'rs-1', display: 'rtmp://live.example.com/app/****', protocol: 'rtmp', addedAt: T0 + 1000 }]);
    expect(JSON.stringify(state)).not.toContain('secret-key');
    expect(refusal(state, { type: 'addDestination', url }, { role: 'operator', venueId: 'sv-1' })).toBe('FORBIDDEN');
    expect(refusal(state, { type: 'removeDestination', destinationId: 'rs-1' }, { role: 'operator', venueId: 'sv-1' })).toBe('FORBIDDEN');
    expect(refusal(state, { type: 'removeDestination', destinationId: 'rs-9' })).toBe('NOT_FOUND');
    state = run(state, { type: 'removeDestination', destinationId: 'rs-1' });
    state = run(state, { type: 'addDestination', url: 'srt://ingest.example.com:9000?streamid=x' });
    expect(destinationsOf(state).map((d) => d.id)).toEqual(['rs-2']);
  });

  it(`are at most ${MAX_DESTINATIONS}`, () => {
    let state = conference();
    for (let n = 0; n < MAX_DESTINATIONS; n++) state = run(state, { type: 'addDestination', url: `rtmp://live.example.com/app/key-${n}` });
    expect(refusal(state, { type: 'addDestination', url: 'rtmp://live.example.com/app/one-more' })).toBe('CONFLICT');
  });

  it('come as commands with a checked address', () => {
    expect(commandSchema.safeParse({ type: 'addDestination', url: 'rtmp://h/app/k' }).success).toBe(true);
    expect(commandSchema.safeParse({ type: 'addDestination', url: 'http://h/app/k' }).success).toBe(false);
    expect(commandSchema.safeParse({ type: 'removeDestination', destinationId: '../rs-1' }).success).toBe(false);
  });
});

describe('a destination on this machine or a private network', () => {
  it('is told from a public one by its host as written', () => {
    for (const inside of ['rtmp://127.0.0.1/live/k', 'rtmp://localhost:1935/live/k', 'rtmp://10.1.2.3/live/k', 'rtmp://172.20.0.5/live/k', 'rtmp://192.168.1.10/live/k', 'rtmp://169.254.169.254/live/k', 'rtmp://100.64.0.1/live/k', 'rtmp://0.0.0.0/live/k', 'rtmp://[::1]/live/k', 'srt://[fd00::5]:9000', 'rtmp://[fe80::1]/live/k', 'rtmp://[::ffff:127.0.0.1]/live/k']) {
      expect([inside, isPrivateDestination(inside)]).toEqual([inside, true]);
    }
    for (const outside of ['rtmp://live.example.com/app/k', 'rtmp://8.8.8.8/live/k', 'rtmp://172.32.0.1/live/k', 'rtmps://[2001:db8::1]/app/k']) {
      expect([outside, isPrivateDestination(outside)]).toEqual([outside, false]);
    }
  });
});

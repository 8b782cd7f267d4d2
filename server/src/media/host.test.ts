import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Plenary } from '../app/plenary';
import { ControlClient, rawEmit } from '../test/control-client';
import { createTestConference, eventually, startTestPlenary, threeVenues, tokenOf, type CreatedConference } from '../test/harness';
import { reconcile } from './reconcile';
import { CAPTION_RELAY_PATH, RELAY_PATH, SOCKET_GONE_PATH } from './host';

const REDIS_URL = process.env.PLENARY_TEST_REDIS_URL as string;

describe('the relay of venues\' media calls to the process hosting the media', () => {
  let plenary: Plenary;
  let key: string;

  beforeAll(async () => {
    plenary = await startTestPlenary({ REDIS_URL });
    await createTestConference(plenary.url, threeVenues('relayed'));
    // What every server process derives from the secret they share in Redis.
    const redis = new Redis(REDIS_URL);
    const secret = Buffer.from((await redis.get('plenary:link-secret')) as string, 'hex');
    redis.disconnect();
    key = createHmac('sha256', secret).update('plenary media relay').digest('hex');
  });

  afterAll(async () => {
    await plenary.close();
  });

  const relay = (body: unknown, authorization?: string) =>
    fetch(`${plenary.url}${RELAY_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(body) });
  const jilin = { conferenceId: 'relayed', venueId: 'sv-1', role: 'operator', socketId: 'socket-1' };

  it('refuses anyone without the key the server processes share', async () => {
    for (const authorization of [undefined, 'Bearer nope', `Bearer ${key.slice(0, -1)}x`, key]) {
      const res = await relay({ caller: jilin, call: { name: 'capabilities' } }, authorization);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    }
    // So are the other internal routes: a caption line, a socket gone.
    for (const path of [CAPTION_RELAY_PATH, SOCKET_GONE_PATH]) {
      const res = await fetch(`${plenary.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer nope' }, body: JSON.stringify({ caller: jilin }) });
      expect(res.status).toBe(401);
    }
  });

  it('checks a relayed call again at the owner, as if it came from a socket', async () => {
    const bearer = `Bearer ${key}`;
    expect(await (await relay({ caller: { ...jilin, role: 'system' }, call: { name: 'capabilities' } }, bearer)).json()).toMatchObject({ ok: false, error: { code: 'INVALID' } });
    expect(await (await relay({ caller: jilin, call: { name: 'shutdown' } }, bearer)).json()).toMatchObject({ ok: false, error: { code: 'INVALID' } });
    const transport = (await (await relay({ caller: jilin, call: { name: 'createTransport' } }, bearer)).json()) as { ok: boolean; data: { id: string } };
    expect(transport.ok).toBe(true);
    // An operator receives the program and the main venue only, wherever its call was made.
    const consume = { name: 'consume', request: { transportId: transport.data.id, target: { venueId: 'sv-2', kind: 'video' }, rtpCapabilities: {} } };
    expect(await (await relay({ caller: jilin, call: consume }, bearer)).json()).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // Another venue's transport is not Jilin's.
    const restart = { name: 'restartIce', request: { transportId: transport.data.id } };
    expect(await (await relay({ caller: { ...jilin, venueId: 'sv-2' }, call: restart }, bearer)).json()).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await (await relay({ caller: jilin, call: restart }, bearer)).json()).toMatchObject({ ok: true });
  });

  it('does not exist on an embedded server (one process, nothing to relay)', async () => {
    const embedded = await startTestPlenary();
    try {
      const res = await fetch(`${embedded.url}${RELAY_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(404);
    } finally {
      await embedded.close();
    }
  });
});

describe('the room follows every stored event of its conference', () => {
  let plenary: Plenary;
  let created: CreatedConference;

  beforeAll(async () => {
    plenary = await startTestPlenary();
    created = await createTestConference(plenary.url, threeVenues('follow'));
  });

  afterAll(async () => {
    await plenary.close();
  });

  it('closes a removed venue\'s media at once', async () => {
    const jilin = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[0]!.url) });
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'follow', hostSecret: created.hostSecret });
    try {
      expect(await rawEmit(jilin, 'media:createTransport')).toMatchObject({ ok: true });
      const room = await plenary.media.existingRoom('follow');
      expect(room?.venueIds()).toContain('sv-1');
      expect(await presider.command({ type: 'removeSubVenue', venueId: 'sv-1' })).toMatchObject({ ok: true });
      await eventually(() => !room?.venueIds().includes('sv-1'));
    } finally {
      jilin.close();
      presider.close();
    }
  });

  it('lets a socket\'s transports go with it, while the venue stays on another socket', async () => {
    // Jilin's browser on a network that switched: its new socket is up before the old one is seen gone.
    const fresh = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[1]!.url) });
    const old = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[1]!.url) });
    try {
      for (let i = 0; i < 4; i++) expect(await rawEmit(old, 'media:createTransport')).toMatchObject({ ok: true });
      // The venue's places at the SFU are taken...
      expect(await rawEmit(fresh, 'media:createTransport')).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      old.close();
      // ...until the old socket is gone: then the new one sets its media up (before, only the venue leaving freed them).
      await eventually(async () => ((await rawEmit(fresh, 'media:createTransport')) as { ok: boolean }).ok, 10_000);
    } finally {
      fresh.close();
      old.close();
    }
  });

  it('keeps what a venue set up after the state that says it left was read', async () => {
    const room = await plenary.media.room('follow');
    const state = await plenary.conferences.get('follow');
    if (!state) throw new Error('no conference');
    const gone = { ...state, venues: { ...state.venues, 'sv-2': { ...state.venues['sv-2']!, present: false } } };
    const readAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await room.createWebRtcTransport('sv-2');
    // A reconcile that read "sv-2 left" before its browser came back leaves the new transport alone...
    await reconcile(room, gone, readAt);
    expect(room.venueIds()).toContain('sv-2');
    // ...and one that read it afterwards closes it.
    await reconcile(room, gone, Date.now() + 1);
    expect(room.venueIds()).not.toContain('sv-2');
  });
});

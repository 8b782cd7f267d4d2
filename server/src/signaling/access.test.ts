import { io, type Socket } from 'socket.io-client';
import type { Plenary } from '../app/plenary';
import { ControlClient, rawEmit } from '../test/control-client';
import { TEST_ADMIN_KEY, createTestConference, eventually, startTestPlenary, threeVenues, tokenOf, type CreatedConference } from '../test/harness';

const ID = 'access';

describe('who may do what on the control channel', () => {
  let plenary: Plenary;
  let created: CreatedConference;
  let presider: ControlClient;
  let jilin: ControlClient;
  const clients: ControlClient[] = [];

  const connect = async (auth: Record<string, unknown>) => {
    const client = await ControlClient.connect(plenary.url, auth);
    clients.push(client);
    return client;
  };
  const refusalOf = (auth: Record<string, unknown>) => ControlClient.connect(plenary.url, auth).then((client) => (client.close(), 'connected'), (refusal: { code?: string; message: string }) => refusal);
  const mintLink = async (venueId: string, body: Record<string, unknown> = {}) => {
    const res = await fetch(`${plenary.url}/api/conferences/${ID}/venues/${venueId}/link`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return ((await res.json()) as { data: { url: string } }).data.url;
  };

  beforeAll(async () => {
    plenary = await startTestPlenary();
    created = await createTestConference(plenary.url, threeVenues(ID));
    presider = await connect({ conferenceId: ID, hostSecret: created.hostSecret });
    jilin = await connect({ token: tokenOf(created.joinLinks[0]!.url) });
    await connect({ token: tokenOf(created.joinLinks[1]!.url) });
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await plenary.close();
  });

  it('an operator\'s link cannot hand out join links', async () => {
    expect(await rawEmit(jilin, 'joinLink', { venueId: 'sv-2' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('refuses a connection without credentials, with a wrong host secret, or with a tampered link', async () => {
    expect(await refusalOf({})).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await refusalOf({ conferenceId: ID, hostSecret: 'x'.repeat(32) })).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await refusalOf({ conferenceId: 'no-such-conf', hostSecret: created.hostSecret })).toMatchObject({ code: 'UNAUTHENTICATED' });
    // Re-sign nothing, just claim another venue: the signature no longer matches.
    const [header, payload, signature] = tokenOf(created.joinLinks[0]!.url).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'sv-2' })).toString('base64url');
    expect(await refusalOf({ token: `${header}.${forged}.${signature}` })).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'This link is not valid',
    });
  });

  it('lets one join link hold a few sockets, not a crowd', async () => {
    const token = tokenOf(created.joinLinks[2]!.url);
    const held = [];
    for (let i = 0; i < 4; i++) held.push(await connect({ token }));
    expect(await refusalOf({ token })).toMatchObject({ code: 'CONFLICT', message: 'This join link is already open in 4 places; close one of them first' });
    held[0]?.close();
    // Once the server has seen that socket go (however long that takes), a new one is let in.
    await eventually(async () => (await refusalOf({ token })) === 'connected', 10_000);
  });

  it('refuses an expired link with a message that says so', async () => {
    const shortLived = await mintLink('sv-3', { ttlSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await refusalOf({ token: tokenOf(shortLived) })).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('expired'),
    });
  });

  it('cuts off and refuses a rotated link, while the new link works', async () => {
    const yanji = await connect({ token: tokenOf(created.joinLinks[2]!.url) });
    const disconnected = new Promise((resolve) => yanji.socket.once('disconnect', resolve));
    expect(await presider.command({ type: 'rotateLink', venueId: 'sv-3' })).toMatchObject({ ok: true });
    expect(await disconnected).toBe('io server disconnect');
    expect(await refusalOf({ token: tokenOf(created.joinLinks[2]!.url) })).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('replaced by a newer one'),
    });
    const fresh = (await rawEmit(presider, 'joinLink', { venueId: 'sv-3' })) as { ok: boolean; data: { url: string } };
    expect(fresh.ok).toBe(true);
    const back = await connect({ token: tokenOf(fresh.data.url) });
    expect(back.identity?.actor).toEqual({ role: 'operator', venueId: 'sv-3' });
  });
});

describe('connection attempts from one address', () => {
  it('are limited: a burst is let in, a flood is refused with RATE_LIMITED and a clear message', async () => {
    const plenary = await startTestPlenary({ JOIN_RATE_PER_ADDRESS: '2' });
    try {
      const created = await createTestConference(plenary.url, threeVenues('flood'));
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, () =>
          ControlClient.connect(plenary.url, { conferenceId: 'flood', hostSecret: created.hostSecret }).then(
            (client) => (client.close(), 'connected'),
            (refusal: { code?: string; message: string }) => `${refusal.code}: ${refusal.message}`,
          ),
        ),
      );
      expect(outcomes.filter((o) => o === 'connected').length).toBe(6);
      expect(outcomes.filter((o) => o !== 'connected')).toEqual(Array(6).fill('RATE_LIMITED: Too many connection attempts from this address; wait a moment and try again'));
    } finally {
      await plenary.close();
    }
  });
});

describe('connection attempts from one address to two server processes on one Redis', () => {
  it('share one budget: a second process does not double what an address may try', async () => {
    const env = { REDIS_URL: process.env.PLENARY_TEST_REDIS_URL as string, JOIN_RATE_PER_ADDRESS: '2', TRUST_PROXY: 'loopback' };
    const [a, b] = await Promise.all([startTestPlenary(env), startTestPlenary(env)]);
    try {
      const created = await createTestConference(a.url, threeVenues('flood-two'));
      // A fresh forwarded address for this run: the budget lives in the test Redis for a few seconds.
      const address = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
      const attempt = (url: string) =>
        new Promise<string>((resolve) => {
          const socket = io(url, { auth: { conferenceId: 'flood-two', hostSecret: created.hostSecret }, extraHeaders: { 'x-forwarded-for': address }, transports: ['websocket'], reconnection: false, forceNew: true });
          socket.once('connect', () => (socket.close(), resolve('connected')));
          socket.once('connect_error', (error: Error & { data?: { code?: string } }) => (socket.close(), resolve(error.data?.code ?? error.message)));
        });
      const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(i % 2 === 0 ? a.url : b.url)));
      expect(outcomes.filter((o) => o === 'connected')).toHaveLength(6);
      expect(outcomes.filter((o) => o === 'RATE_LIMITED')).toHaveLength(6);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('bad input on the control channel', () => {
  let plenary: Plenary;
  let created: CreatedConference;
  let operator: ControlClient;

  beforeAll(async () => {
    plenary = await startTestPlenary();
    created = await createTestConference(plenary.url, threeVenues('bad-input'));
    operator = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[0]!.url) });
  });

  afterAll(async () => {
    operator.close();
    await plenary.close();
  });

  it.each<[string, unknown]>([
    ['a string instead of an object', 'giveFloor'],
    ['no command id', { command: { type: 'requestFloor', venueId: 'sv-1' } }],
    ['a command id with a slash', { id: '../../etc/passwd', command: { type: 'requestFloor', venueId: 'sv-1' } }],
    ['an unknown command', { id: 'abcdefgh1', command: { type: 'becomePresider' } }],
    ['an extra field', { id: 'abcdefgh2', command: { type: 'requestFloor', venueId: 'sv-1', asPresider: true } }],
    ['a wrong type', { id: 'abcdefgh3', command: { type: 'setSelfMuted', venueId: 'sv-1', muted: 'yes' } }],
    ['a venue id that is a path', { id: 'abcdefgh4', command: { type: 'requestFloor', venueId: '../main' } }],
    ['null', null],
  ])('answers %s with INVALID and changes nothing', async (_what, payload) => {
    const before = (await plenary.conferences.get('bad-input'))?.version;
    expect(await rawEmit(operator, 'command', payload)).toMatchObject({ ok: false, error: { code: 'INVALID' } });
    expect((await plenary.conferences.get('bad-input'))?.version).toBe(before);
  });

  it('answers an unknown message with INVALID', async () => {
    expect(await rawEmit(operator, 'becomePresider', { please: true })).toMatchObject({ ok: false, error: { code: 'INVALID' } });
  });

  it('survives messages without an ack and keeps answering', async () => {
    const raw = operator.socket as unknown as Socket;
    raw.emit('command', { id: 'noack-000001', command: { type: 'requestFloor', venueId: 'sv-1' } });
    raw.emit('sync');
    expect(await rawEmit(operator, 'sync')).toMatchObject({ ok: true });
  });

  it('limits how fast one socket may send commands, answering every one', async () => {
    const siping = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[1]!.url) });
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => siping.command({ type: 'setSelfMuted', venueId: 'sv-2', muted: i % 2 === 0 })),
    );
    const seconds = (Date.now() - started) / 1000;
    siping.close();
    const codes = answers.map((a) => (a.ok ? 'ok' : a.error.code));
    // A burst of 20 goes through, plus what refilled (10 a second) while the 40 were answered,
    // however long that took; the rest are told to slow down.
    const accepted = codes.filter((c) => c === 'ok').length;
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(accepted).toBeLessThanOrEqual(20 + Math.ceil(10 * seconds));
    expect(accepted).toBeLessThan(40);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(40 - accepted);
  });

  it.each<[string, unknown[]]>([
    ['sync', []],
    ['media:capabilities', []],
    ['media:connectTransport', [{ transportId: 'nope', dtlsParameters: {} }]],
    ['media:resume', [{ consumerId: 'nope' }]],
  ])('puts %s under the socket\'s budget: a flood is answered RATE_LIMITED, every message answered', async (event, args) => {
    const yanji = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[2]!.url) });
    try {
      const answers = (await Promise.all(Array.from({ length: 120 }, () => rawEmit(yanji, event, ...args)))) as { ok: boolean; error?: { code: string } }[];
      const limited = answers.filter((a) => a.error?.code === 'RATE_LIMITED').length;
      expect(limited).toBeGreaterThan(50);
      expect(answers).toHaveLength(120);
    } finally {
      yanji.close();
    }
  });

  it('lets a presider receive every venue of a large conference at once, within the budget', async () => {
    const large = await createTestConference(plenary.url, { ...threeVenues('large'), subVenues: Array.from({ length: 40 }, (_, i) => ({ name: `Venue ${i + 1}` })) });
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'large', hostSecret: large.hostSecret });
    try {
      // A consume and a resume per venue, video and audio, plus the setup: all at once, none refused.
      const answers = (await Promise.all(Array.from({ length: 4 * 41 + 10 }, () => rawEmit(presider, 'media:capabilities')))) as { ok: boolean }[];
      expect(answers.filter((a) => !a.ok)).toEqual([]);
    } finally {
      presider.close();
    }
  });

  it('drops a socket that sends an oversized message, and the server stays up', async () => {
    const victim = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[1]!.url) });
    const dropped = new Promise((resolve) => victim.socket.once('disconnect', resolve));
    (victim.socket as unknown as Socket).emit('command', { id: 'big-0000001', command: { type: 'addSubVenue', name: 'x'.repeat(200_000) } });
    expect(await dropped).toBe('transport close');
    const health = await fetch(`${plenary.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('refuses the admin API without its key, and bad bodies with INVALID', async () => {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${plenary.url}/api/conferences`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const noKey = await post({}, JSON.stringify(threeVenues('x1')));
    expect(noKey.status).toBe(401);
    const wrongKey = await post({ authorization: 'Bearer wrong' }, JSON.stringify(threeVenues('x1')));
    expect(wrongKey.status).toBe(403);
    const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const badJson = await post(auth, '{"title": ');
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: { code: 'INVALID' } });
    const noTitle = await post(auth, JSON.stringify({ ...threeVenues('x2'), title: '' }));
    expect(await noTitle.json()).toMatchObject({ error: { code: 'INVALID', message: expect.stringContaining('title') } });
    const taken = await post(auth, JSON.stringify(threeVenues('bad-input')));
    expect(taken.status).toBe(409);
    const huge = await post(auth, JSON.stringify({ ...threeVenues('x3'), title: 'x'.repeat(100_000) }));
    expect(huge.status).toBe(400);
  });
});

import { io, type Socket } from 'socket.io-client';
import { PlenaryError, applyEvents, createConference } from '@plenary/shared';
import { checkStanding } from './authenticate';
import type { Plenary } from '../app/plenary';
import { ControlClient, rawEmit } from '../test/control-client';
import { createTestConference, eventually, startTestPlenary, threeVenues, tokenOf, type CreatedConference } from '../test/harness';

type Answer = { ok: boolean; data?: Record<string, unknown>; error?: { code: string; message: string } };
/** socket.io-client keeps the session id and the last event offset it saw in these fields. */
type WithSession = { _pid?: string; _lastOffset?: string };

/** Drops a socket's transport as a network failure would (the server keeps its session for recovery). */
async function dropNetwork(client: ControlClient): Promise<void> {
  const disconnected = new Promise((resolve) => client.socket.once('disconnect', resolve));
  client.socket.io.engine.close();
  await disconnected;
}

/** Reconnects a dropped socket and says how it came back: recovered, a new session, or refused. */
function reconnect(client: ControlClient): Promise<{ recovered: boolean } | { refused: string | undefined; message: string }> {
  return new Promise((resolve) => {
    const socket = client.socket;
    const cleanup = () => {
      socket.off('connect', connected);
      socket.off('connect_error', refused);
    };
    const connected = () => (cleanup(), resolve({ recovered: socket.recovered }));
    const refused = (error: Error & { data?: { code?: string } }) => (cleanup(), resolve({ refused: error.data?.code, message: error.message }));
    socket.on('connect', connected);
    socket.on('connect_error', refused);
    socket.connect();
  });
}

/** The promise's value, or 'still waiting' after ms. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<string>((resolve) => (timer = setTimeout(resolve, ms, 'still waiting')))]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a session that comes back is checked like a new one', () => {
  let plenary: Plenary;
  let created: CreatedConference;
  let presider: ControlClient;
  const clients: ControlClient[] = [];
  const connect = async (auth: Record<string, unknown>) => {
    const client = await ControlClient.connect(plenary.url, auth);
    clients.push(client);
    return client;
  };
  const presence = (venueId: string) => presider.state.venues[venueId]?.present;
  /** Connects a venue and waits until the presider sees it present (so a later drop is seen as one). */
  const connectVenue = async (index: number) => {
    const client = await connect({ token: tokenOf(created.joinLinks[index]!.url) });
    await eventually(() => presence(client.venueId!) === true);
    return client;
  };

  beforeAll(async () => {
    plenary = await startTestPlenary();
    created = await createTestConference(plenary.url, threeVenues('recover'));
    presider = await connect({ conferenceId: 'recover', hostSecret: created.hostSecret });
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await plenary.close();
  });

  it('recovers a dropped operator session when nothing changed meanwhile', async () => {
    const jilin = await connectVenue(0);
    await dropNetwork(jilin);
    await eventually(() => presence('sv-1') === false);
    expect(await reconnect(jilin)).toEqual({ recovered: true });
    await eventually(() => presence('sv-1') === true);
    expect(await rawEmit(jilin, 'sync')).toMatchObject({ ok: true });
  });

  it('refuses a dropped session whose link was replaced while it was away', async () => {
    const siping = await connectVenue(1);
    await dropNetwork(siping);
    await eventually(() => presence('sv-2') === false);
    expect(await presider.command({ type: 'rotateLink', venueId: 'sv-2' })).toMatchObject({ ok: true });
    expect(await reconnect(siping)).toEqual({ refused: 'UNAUTHENTICATED', message: expect.stringContaining('replaced by a newer one') });
    // Dropping and trying again changes nothing: no saved session keeps the old link alive.
    expect(await reconnect(siping)).toMatchObject({ refused: 'UNAUTHENTICATED' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(presence('sv-2')).toBe(false);
  });

  it('does not let a copied session id pass for the socket it belonged to', async () => {
    const yanji = await connectVenue(2);
    await dropNetwork(yanji);
    const { _pid: pid, _lastOffset: offset } = yanji.socket as unknown as WithSession;
    expect(await reconnect(yanji)).toEqual({ recovered: true });
    // The same session presented again, with the same link, while its owner is back: a new session.
    const copy: Socket = io(plenary.url, { auth: { token: tokenOf(created.joinLinks[2]!.url), pid, offset }, transports: ['websocket'], reconnection: false, forceNew: true });
    try {
      const snapshot = new Promise((resolve) => copy.once('snapshot', resolve));
      await new Promise<void>((resolve, reject) => (copy.once('connect', resolve), copy.once('connect_error', reject)));
      expect(copy.recovered).toBe(false);
      expect(copy.id).not.toBe(yanji.socket.id);
      await snapshot;
    } finally {
      copy.close();
    }
  });

  it('does not hand another venue\'s session to a socket with a different link', async () => {
    const jilin = clients.find((c) => c.venueId === 'sv-1')!;
    await dropNetwork(jilin);
    await eventually(() => presence('sv-1') === false);
    const { _pid: pid, _lastOffset: offset } = jilin.socket as unknown as WithSession;
    // Yanji's operator presents Jilin's saved session: it is refused outright, not merged.
    const impostor: Socket = io(plenary.url, { auth: { token: tokenOf(created.joinLinks[2]!.url), pid, offset }, transports: ['websocket'], reconnection: false, forceNew: true });
    try {
      const outcome = await new Promise((resolve) => {
        impostor.once('connect', () => resolve({ recovered: impostor.recovered, id: impostor.id }));
        impostor.once('connect_error', (error: Error & { data?: { code?: string } }) => resolve({ refused: error.data?.code }));
      });
      expect(outcome).not.toMatchObject({ recovered: true });
    } finally {
      impostor.close();
    }
    // The session was spent on the impostor's attempt: Jilin's own operator comes back as a new
    // session (a fresh snapshot) rather than a recovered one, and is there again.
    const snapshots = jilin.snapshots;
    expect(await reconnect(jilin)).toEqual({ recovered: false });
    await eventually(() => jilin.snapshots > snapshots && presence('sv-1') === true);
  });
});

describe('a removed sub-venue loses everything at once', () => {
  let plenary: Plenary;
  let created: CreatedConference;
  let presider: ControlClient;
  let jilin: ControlClient;

  beforeAll(async () => {
    plenary = await startTestPlenary();
    created = await createTestConference(plenary.url, threeVenues('removal'));
    presider = await ControlClient.connect(plenary.url, { conferenceId: 'removal', hostSecret: created.hostSecret });
    jilin = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[0]!.url) });
  });

  afterAll(async () => {
    for (const client of [presider, jilin]) client.close();
    await plenary.close();
  });

  it('cuts its sockets, closes its media and refuses its link', async () => {
    const transport = (await rawEmit(jilin, 'media:createTransport')) as Answer;
    const transportId = transport.data?.id as string;
    const caps = (await rawEmit(jilin, 'media:capabilities')) as Answer;
    expect(await rawEmit(jilin, 'media:consume', { transportId, target: { program: 'video' }, rtpCapabilities: caps.data })).toMatchObject({ ok: true });

    // The worker's own record of the venue's router: what it holds, not what our maps say.
    const room = await plenary.media.existingRoom('removal');
    const { router } = await room!.routers.edgeFor('sv-1');
    expect((await router.dump()).transportIds).toContain(transportId);
    const cut = new Promise((resolve) => jilin.socket.once('disconnect', resolve));
    expect(await presider.command({ type: 'removeSubVenue', venueId: 'sv-1' })).toMatchObject({ ok: true });
    expect(await within(cut, 10_000)).toBe('io server disconnect');

    // Its transport is gone at the SFU (closed in the worker): nothing it set up keeps receiving.
    await eventually(async () => !(await router.dump()).transportIds.includes(transportId));
    await expect(room!.restartIce('sv-1', transportId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const again = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[0]!.url) }).then(
      (client) => (client.close(), 'connected'),
      (refusal: { code?: string; message: string }) => refusal,
    );
    expect(again).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('does not exist any more') });
  });
});

describe('the standing every message is checked against', () => {
  const { state } = createConference('standing', { title: 'T', mainVenueName: 'Main', subVenues: [{ name: 'Jilin City' }], agenda: [], muteOthersOnGive: false }, 0);
  const operator = { conferenceId: 'standing', actor: { role: 'operator' as const, venueId: 'sv-1' }, linkVersion: state.venues['sv-1']!.linkVersion };
  const refusal = (check: () => void) => {
    try {
      check();
      return 'stands';
    } catch (error) {
      return error instanceof PlenaryError ? `${error.code}: ${error.message}` : String(error);
    }
  };

  it('holds for a current link, and ends with a replaced link, a removed venue or a gone conference', () => {
    expect(refusal(() => checkStanding(operator, state))).toBe('stands');
    expect(refusal(() => checkStanding(operator, applyEvents(state, [{ type: 'linkRotated', venueId: 'sv-1', linkVersion: operator.linkVersion + 1 }])))).toMatch(/^UNAUTHENTICATED: .*replaced by a newer one/);
    expect(refusal(() => checkStanding(operator, applyEvents(state, [{ type: 'venueRemoved', venueId: 'sv-1' }])))).toMatch(/^UNAUTHENTICATED: .*does not exist any more/);
    expect(refusal(() => checkStanding(operator, undefined))).toMatch(/^UNAUTHENTICATED/);
    expect(refusal(() => checkStanding({ conferenceId: 'standing', actor: { role: 'presider' } }, undefined))).toMatch(/^UNAUTHENTICATED/);
    // An ended conference still stands (its pages say it has ended); its media calls are refused apart.
    expect(refusal(() => checkStanding(operator, applyEvents(state, [{ type: 'conferenceEnded', at: 1 }])))).toBe('stands');
  });
});

import { publicConferenceSchema } from '@plenary/shared';
import type { Plenary } from '../app/plenary';
import { ControlClient, type Refusal } from '../test/control-client';
import { createTestConference, startTestPlenary, threeVenues, tokenOf, type CreatedConference } from '../test/harness';

describe('a scripted session on the control channel', () => {
  let plenary: Plenary;
  let created: CreatedConference;
  const clients: ControlClient[] = [];

  beforeAll(async () => {
    plenary = await startTestPlenary();
    created = await createTestConference(plenary.url, threeVenues('session'));
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await plenary.close();
  });

  const connect = async (auth: Record<string, unknown>) => {
    const client = await ControlClient.connect(plenary.url, auth);
    clients.push(client);
    return client;
  };

  it('runs from requests to revoke, and every client ends with the same state and version as the server', async () => {
    const presider = await connect({ conferenceId: 'session', hostSecret: created.hostSecret });
    const [jilin, siping, yanji] = await Promise.all(created.joinLinks.map((link) => connect({ token: tokenOf(link.url) })));
    if (!jilin || !siping || !yanji) throw new Error('three operators expected');

    const intruder = ControlClient.connect(plenary.url, { token: `${tokenOf(created.joinLinks[0]!.url)}x` });
    await expect(intruder).rejects.toMatchObject({ code: 'UNAUTHENTICATED' } satisfies Partial<Refusal>);

    // Presence: the presider and the three operators are all connected.
    await presider.waitForVersion(5);
    expect(Object.values(presider.state.venues).every((venue) => venue.present)).toBe(true);

    expect(await yanji.command({ type: 'requestFloor', venueId: 'sv-3' })).toMatchObject({ ok: true });
    expect(await jilin.command({ type: 'requestFloor', venueId: 'sv-1' })).toMatchObject({ ok: true });
    await presider.waitForVersion(7);
    expect(presider.state.floor.queue.map((r) => r.venueId)).toEqual(['sv-3', 'sv-1']);

    // The presider gives the floor in queue order.
    for (const venueId of presider.state.floor.queue.map((r) => r.venueId)) {
      const answer = await presider.command({ type: 'giveFloor', venueId });
      expect(answer.ok).toBe(true);
      if (answer.ok) await presider.waitForVersion(answer.data.version);
      expect(presider.state.floor.holder).toBe(venueId);
    }
    expect(await presider.command({ type: 'setMuted', venueId: 'sv-2', muted: true })).toMatchObject({ ok: true });
    expect(await siping.command({ type: 'requestFloor', venueId: 'sv-2' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await presider.command({ type: 'advanceAgenda', giveFloor: true })).toMatchObject({ ok: true });
    const last = await presider.command({ type: 'advanceAgenda', giveFloor: true });
    expect(last).toMatchObject({ ok: true });
    const finalAnswer = await presider.command({ type: 'revokeFloor' });
    if (!finalAnswer.ok) throw new Error('revoke failed');

    const serverState = await plenary.conferences.get('session');
    for (const client of [presider, jilin, siping, yanji]) {
      await client.waitForVersion(finalAnswer.data.version);
      expect(client.state).toEqual(serverState);
    }
    expect(serverState?.floor.holder).toBe('main');
    expect(serverState?.currentItem).toBe(1);
    // Advancing to "Siping reports" handed Siping the floor and lifted the presider's mute.
    expect(serverState?.venues['sv-2']?.mutedByPresider).toBe(false);
  });

  it('answers a retried command with the same answer and applies it once', async () => {
    const presider = await connect({ conferenceId: 'session', hostSecret: created.hostSecret });
    const first = await presider.command({ type: 'giveFloor', venueId: 'sv-1' }, 'retry-0000001');
    const second = await presider.command({ type: 'giveFloor', venueId: 'sv-1' }, 'retry-0000001');
    expect(second).toEqual(first);
    const floorEvents = presider.received.filter((e) => e.event.type === 'floorGiven');
    expect(floorEvents).toHaveLength(1);
  });

  it('falls back to the main venue when the speaking venue disconnects, and the presider sees it', async () => {
    const presider = await connect({ conferenceId: 'session', hostSecret: created.hostSecret });
    const yanji = await connect({ token: tokenOf(created.joinLinks[2]!.url) });
    const given = await presider.command({ type: 'giveFloor', venueId: 'sv-3' });
    if (!given.ok) throw new Error(given.error.message);
    // Every socket of Yanji goes away, including the one from the first test.
    for (const client of clients.filter((c) => c.venueId === yanji.venueId)) client.close();
    const deadline = Date.now() + 5000;
    while (presider.mirror.state?.floor.holder !== 'main' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(presider.state.floor.holder).toBe('main');
    expect(presider.state.venues['sv-3']?.present).toBe(false);
    const fallback = presider.received.find((e) => e.event.type === 'floorGiven' && e.event.reason === 'holderLeft');
    expect(fallback).toBeDefined();
  });

  it('shows the public what is on air, cacheably, without a socket', async () => {
    const presider = await connect({ conferenceId: 'session', hostSecret: created.hostSecret });
    const jilin = await connect({ token: tokenOf(created.joinLinks[0]!.url) });
    expect(jilin.state.venues['sv-1']?.present).toBe(true);
    const given = await presider.command({ type: 'giveFloor', venueId: 'sv-1' });
    expect(given.ok).toBe(true);
    const res = await fetch(`${plenary.url}/api/conferences/session/public`);
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=1/);
    const body = (await res.json()) as { data: { title: string; onAir: { name: string } } };
    expect(body.data.title).toBe('Provincial Conference');
    expect(body.data.onAir.name).toBe('Jilin City');
    expect(JSON.stringify(body)).not.toContain('hostSecret');
    // Exactly the shape the watch and join pages read it through (extra keys would be a leak in waiting).
    expect(publicConferenceSchema.strict().parse(body.data)).toEqual(body.data);
  });

  it('counts the watch pages that announce themselves, each once, and refuses malformed announcements', async () => {
    const announce = (body: unknown, conference = 'session') =>
      fetch(`${plenary.url}/api/conferences/${conference}/viewers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const viewer of ['viewer-one', 'viewer-two', 'viewer-one']) expect((await announce({ viewer })).status).toBe(204);
    expect((await announce({ viewer: '../../etc' })).status).toBe(400);
    expect((await announce({ viewer: 'viewer-three', extra: 1 })).status).toBe(400);
    expect((await announce({ viewer: 'viewer-three' }, 'no-such-conference')).status).toBe(404);
    const body = (await (await fetch(`${plenary.url}/api/conferences/session/public`)).json()) as { data: { viewers: number; viewerBeacon: { sample: number; everySeconds: number } } };
    expect(body.data.viewers).toBe(2);
    expect(body.data.viewerBeacon).toEqual({ sample: 1, everySeconds: 20 });
  });
});

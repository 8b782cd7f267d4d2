import type { VersionedEvent } from '@plenary/shared';
import { ControlClient, rawEmit } from '../test/control-client';
import { createTestConference, eventually, threeVenues, tokenOf, type CreatedConference } from '../test/harness';
import { ServerProcess, freePort } from '../test/processes';

const REDIS_URL = process.env.PLENARY_TEST_REDIS_URL as string;

/** What a client saw after a version, in version order: identical streams compare equal. */
const streamAfter = (client: ControlClient, version: number) =>
  [...new Map(client.received.filter((e) => e.version > version).map((e) => [e.version, e] as const)).values()]
    .sort((a, b) => a.version - b.version)
    .map((e: VersionedEvent) => ({ version: e.version, event: e.event }));

describe('two server processes on one Redis', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let portA: number;
  let created: CreatedConference;
  const clients: ControlClient[] = [];

  beforeAll(async () => {
    [portA] = await Promise.all([freePort()]);
    const portB = await freePort();
    [a, b] = await Promise.all([
      ServerProcess.start(portA as number, { REDIS_URL }),
      ServerProcess.start(portB, { REDIS_URL }),
    ]);
    created = await createTestConference(a.url, threeVenues('cluster'));
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  const connect = async (url: string, auth: Record<string, unknown>) => {
    const client = await ControlClient.connect(url, auth, { reconnection: true });
    clients.push(client);
    return client;
  };

  it('delivers the same event stream to clients on either process, whichever process took the command', async () => {
    const presider = await connect(a.url, { conferenceId: 'cluster', hostSecret: created.hostSecret });
    const jilin = await connect(a.url, { token: tokenOf(created.joinLinks[0]!.url) });
    const siping = await connect(b.url, { token: tokenOf(created.joinLinks[1]!.url) });
    const yanji = await connect(b.url, { token: tokenOf(created.joinLinks[2]!.url) });
    const all = [presider, jilin, siping, yanji];
    // Presence of all four venues settles at version 5 (created = 1).
    for (const client of all) await client.waitForVersion(5);
    const start = presider.state.version;

    await siping.command({ type: 'requestFloor', venueId: 'sv-2' });
    await jilin.command({ type: 'requestFloor', venueId: 'sv-1' });
    await presider.command({ type: 'giveFloor', venueId: 'sv-2' });
    await yanji.command({ type: 'setSelfMuted', venueId: 'sv-3', muted: true });
    await presider.command({ type: 'setMuted', venueId: 'sv-1', muted: true });
    const last = await presider.command({ type: 'advanceAgenda', giveFloor: false });
    if (!last.ok) throw new Error(last.error.message);

    for (const client of all) await client.waitForVersion(last.data.version);
    const reference = streamAfter(presider, start);
    expect(reference.map((e) => e.event.type)).toEqual([
      'floorRequested', 'floorRequested', 'floorGiven', 'venueMuted', 'venueMuted', 'floorRequestWithdrawn', 'agendaAdvanced',
    ]);
    for (const client of all) {
      expect(streamAfter(client, start)).toEqual(reference);
      expect(client.state).toEqual(presider.state);
    }
  });

  it('applies a command sent again to the other process once, however the two copies meet', async () => {
    // A page that lost its answer sends the command again, unchanged; after a reconnect the copy may
    // reach the other process while the first still runs. Ten pairs, sent together.
    const onA = await connect(a.url, { conferenceId: 'cluster', hostSecret: created.hostSecret });
    const onB = await connect(b.url, { conferenceId: 'cluster', hostSecret: created.hostSecret });
    const before = Object.keys((await onA.command({ type: 'revokeFloor' }), onA.state).venues).length;
    for (let i = 0; i < 10; i++) {
      const envelope = { id: `resent-copy-${i}`, command: { type: 'addSubVenue', name: `Copy ${i}` } };
      const answers = (await Promise.all([rawEmit(onA, 'command', envelope), rawEmit(onB, 'command', envelope)])) as { ok: boolean; data: { version: number } }[];
      // Both copies are answered as one: the same version.
      expect(answers[0]).toEqual(answers[1]);
    }
    const state = await eventually(async () => {
      const res = await fetch(`${a.url}/api/conferences/cluster/public`);
      const body = (await res.json()) as { data: { venues: { name: string }[] } };
      return body.data.venues.filter((venue) => venue.name.startsWith('Copy ')).length >= 10 ? body.data : undefined;
    });
    expect(state.venues.filter((venue) => venue.name.startsWith('Copy ')).map((venue) => venue.name)).toEqual(Array.from({ length: 10 }, (_, i) => `Copy ${i}`));
    expect(before).toBeGreaterThan(0);
    // (Gone again: the next test counts on who is connected where.)
    onA.close();
    onB.close();
  });

  it('keeps the state through a crash of one process, and its clients resync when it is back', async () => {
    const [presider, jilin, siping] = clients;
    if (!presider || !jilin || !siping) throw new Error('clients from the first test expected');
    const before = presider.state;

    const disconnected = new Promise((resolve) => presider.socket.once('disconnect', resolve));
    await a.crash();
    await disconnected;
    // While A is down, B keeps serving: Siping withdraws nothing but mutes itself.
    const whileDown = await siping.command({ type: 'setSelfMuted', venueId: 'sv-2', muted: true });
    expect(whileDown.ok).toBe(true);
    // A died without running its disconnect handlers: B notices (A's heartbeat lapses) and lets
    // the venues that were connected only to A leave, so nobody looks present who is not.
    const crashed = Date.now();
    const noticeBy = crashed + 20_000;
    // The reaper lets each venue leave by its own command: wait for both, not just the first.
    const gone = () => siping.state.venues['sv-1']?.present === false && siping.state.venues.main?.present === false;
    while (!gone() && Date.now() < noticeBy) await new Promise((r) => setTimeout(r, 100));
    expect(siping.state.venues['sv-1']?.present).toBe(false);
    expect(siping.state.venues.main?.present).toBe(false);
    expect(Date.now() - crashed).toBeLessThan(12_000);
    expect(siping.state.venues['sv-2']?.present).toBe(true);

    const snapshotsBefore = presider.snapshots;
    a = await ServerProcess.start(portA, { REDIS_URL });
    const deadline = Date.now() + 20_000;
    while (presider.snapshots === snapshotsBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(presider.snapshots).toBeGreaterThan(snapshotsBefore);

    // Everything that was decided before the crash is still there, plus what B did meanwhile.
    expect(presider.state.floor).toEqual(before.floor);
    expect(presider.state.currentItem).toBe(before.currentItem);
    expect(presider.state.venues['sv-1']?.mutedByPresider).toBe(true);
    expect(presider.state.venues['sv-2']?.selfMuted).toBe(true);

    // And the restarted process works: a command there reaches a client on B.
    const revoke = await presider.command({ type: 'revokeFloor' });
    if (!revoke.ok) throw new Error(revoke.error.message);
    await siping.waitForVersion(revoke.data.version);
    expect(siping.state.floor.holder).toBe('main');
    expect(siping.state).toEqual(presider.state);
  });
});

import type { Plenary } from '../app/plenary';
import { ControlClient, rawEmit } from '../test/control-client';
import { createTestConference, eventually, startTestPlenary, threeVenues, tokenOf } from '../test/harness';

const REDIS_URL = process.env.PLENARY_TEST_REDIS_URL as string;

describe('a room the server makes matches the stored conference from the start', () => {
  const running: Plenary[] = [];
  const clients: ControlClient[] = [];
  afterAll(async () => {
    for (const client of clients) client.close();
    for (const plenary of running) await plenary.close();
  });

  it('after a restart, a room first asked for by a venue\'s media call has the floor holder on air and the mutes applied', async () => {
    const id = `reconcile-${Math.random().toString(36).slice(2, 8)}`;
    const before = await startTestPlenary({ REDIS_URL });
    running.push(before);
    const created = await createTestConference(before.url, threeVenues(id));
    const presider = await ControlClient.connect(before.url, { conferenceId: id, hostSecret: created.hostSecret });
    const jilin = await ControlClient.connect(before.url, { token: tokenOf(created.joinLinks[0]!.url) });
    clients.push(presider, jilin);
    await eventually(() => presider.state.venues['sv-1']?.present === true);
    expect(await presider.command({ type: 'giveFloor', venueId: 'sv-1' })).toMatchObject({ ok: true });
    expect(await presider.command({ type: 'setMuted', venueId: 'sv-2', muted: true })).toMatchObject({ ok: true });
    expect(await jilin.command({ type: 'setSelfMuted', venueId: 'sv-1', muted: true })).toMatchObject({ ok: true });
    await before.close();

    // The server comes back (state in Redis); the first thing to touch the media is Jilin's browser.
    const after = await startTestPlenary({ REDIS_URL });
    running.push(after);
    const back = await ControlClient.connect(after.url, { token: tokenOf(created.joinLinks[0]!.url) });
    clients.push(back);
    expect(await rawEmit(back, 'media:capabilities')).toMatchObject({ ok: true });
    const room = await after.media.existingRoom(id);
    expect(room?.switcher.floorHolder).toBe('sv-1');
    expect(room?.isMuted('sv-2')).toBe(true);
    expect(room?.isMuted('sv-1')).toBe(true);
    expect(room?.isMuted('sv-3')).toBe(false);
  });
});

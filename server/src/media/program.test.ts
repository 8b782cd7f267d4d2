import type { Cut } from '@plenary/sfu';
import type { Plenary } from '../app/plenary';
import { ControlClient, rawEmit } from '../test/control-client';
import { TEST_ADMIN_KEY, createTestConference, eventually, startTestPlenary, threeVenues, tokenOf } from '../test/harness';

describe('the program follows the floor through the whole server', () => {
  let plenary: Plenary;
  const clients: ControlClient[] = [];

  beforeAll(async () => {
    plenary = await startTestPlenary({ DEMO_SIMULATED_VENUES: '3' }, { demo: true });
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await plenary.close();
  });

  it('puts the demo\'s simulated venues in the conference, present, with the main venue on air', async () => {
    const state = await plenary.conferences.get('demo');
    expect(state?.venueOrder).toEqual(['main', 'sv-1', 'sv-2', 'sv-3']);
    expect(Object.values(state?.venues ?? {}).every((venue) => venue.present)).toBe(true);
    const room = await plenary.media.room('demo');
    await eventually(() => room.switcher.videoOnAir === 'main');
  });

  it('cuts the program to a sub-venue when the presider gives it the floor', async () => {
    const hostSecret = new URL(plenary.demo?.hostUrl ?? '').hash.replace('#key=', '');
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret });
    clients.push(presider);
    const room = await plenary.media.room('demo');
    const cuts: Cut[] = [];
    room.switcher.on('cut', (cut) => cuts.push(cut));

    const answer = await presider.command({ type: 'giveFloor', venueId: 'sv-2' });
    expect(answer.ok).toBe(true);
    await eventually(() => cuts.find((cut) => cut.kind === 'video' && cut.venueId === 'sv-2'));
    expect(room.switcher.videoOnAir).toBe('sv-2');
    const publicView = (await (await fetch(`${plenary.url}/api/conferences/demo/public`)).json()) as { data: { onAir: { name: string } } };
    expect(publicView.data.onAir.name).toBe('Siping');
  });

  it('silences a muted venue at the SFU, and lets it be heard again when unmuted', async () => {
    const hostSecret = new URL(plenary.demo?.hostUrl ?? '').hash.replace('#key=', '');
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret });
    clients.push(presider);
    const room = await plenary.media.room('demo');
    const microphone = () => room.producerOf('sv-3', 'audio');
    expect(microphone()?.paused).toBe(false);
    expect(await presider.command({ type: 'setMuted', venueId: 'sv-3', muted: true })).toMatchObject({ ok: true });
    await eventually(() => microphone()?.paused === true);
    // Giving a muted venue the floor unmutes it: the new speaker must be heard.
    expect(await presider.command({ type: 'giveFloor', venueId: 'sv-3' })).toMatchObject({ ok: true });
    await eventually(() => microphone()?.paused === false);
    expect(await presider.command({ type: 'setMuted', venueId: 'sv-3', muted: true })).toMatchObject({ ok: true });
    await eventually(() => microphone()?.paused === true);
    expect(await presider.command({ type: 'setMuted', venueId: 'sv-3', muted: false })).toMatchObject({ ok: true });
    await eventually(() => microphone()?.paused === false);
    expect(await presider.command({ type: 'giveFloor', venueId: 'sv-2' })).toMatchObject({ ok: true });
  });

  it('shows the presider every venue\'s media health, and nobody else', async () => {
    const hostSecret = new URL(plenary.demo?.hostUrl ?? '').hash.replace('#key=', '');
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret });
    clients.push(presider);
    type Stats = { ok: boolean; data: { venueId: string; kind: string; bitrate: number; score: number }[] };
    // Every simulated venue's camera reports a bitrate and a score once its first packets are in.
    await eventually(async () => {
      const stats = (await rawEmit(presider, 'media:stats')) as Stats;
      // Asked every 20 ms, the socket's media budget may answer RATE_LIMITED now and then: ask again.
      if (!stats.ok) return false;
      return ['main', 'sv-1', 'sv-2', 'sv-3'].every((venueId) => {
        const video = stats.data.find((s) => s.venueId === venueId && s.kind === 'video');
        return (video?.bitrate ?? 0) > 0 && (video?.score ?? 0) > 0;
      });
    }, 15_000);
    const link = await fetch(`${plenary.url}/api/conferences/demo/venues/sv-1/link`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    const token = tokenOf(((await link.json()) as { data: { url: string } }).data.url);
    const operator = await ControlClient.connect(plenary.url, { token });
    clients.push(operator);
    expect(await rawEmit(operator, 'media:stats')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('rebuilds the conference media by itself when its worker dies, and tells the clients', async () => {
    const hostSecret = new URL(plenary.demo?.hostUrl ?? '').hash.replace('#key=', '');
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret });
    clients.push(presider);
    let resets = 0;
    presider.socket.on('mediaReset', () => resets++);
    const before = await plenary.media.room('demo');
    const holder = (await plenary.conferences.get('demo'))?.floor.holder;
    const senders = before.simulatedVenues().length;
    // The main venue, three sub-venues and the English channel's simulated interpreter.
    expect(senders).toBe(5);

    process.kill(before.worker.worker.pid, 'SIGKILL');
    await eventually(() => resets > 0, 15_000);
    const after = await plenary.media.room('demo');
    expect(after).not.toBe(before);
    expect(after.worker.worker.pid).not.toBe(before.worker.worker.pid);
    expect(after.simulatedVenues().map((v) => v.venueId).sort()).toEqual(['in-en', 'main', 'sv-1', 'sv-2', 'sv-3']);
    await eventually(() => after.switcher.videoOnAir === holder, 10_000);
    // Not just listed: every venue's camera is sending to the new worker.
    await eventually(async () => {
      const stats = await after.stats();
      return ['main', 'sv-1', 'sv-2', 'sv-3'].every((venueId) => (stats.find((s) => s.venueId === venueId && s.kind === 'video')?.bitrate ?? 0) > 0);
    }, 15_000);
  });

  it('falls back to the main venue when the speaking venue\'s operator disconnects', async () => {
    const created = await createTestConference(plenary.url, threeVenues('dropout'));
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'dropout', hostSecret: created.hostSecret });
    const jilin = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[0]!.url) });
    clients.push(presider, jilin);
    // Jilin City's media: a simulated camera standing in for its browser; the main venue likewise.
    const room = await plenary.media.room('dropout');
    await room.addSimulatedVenue('main', 'Changchun', { r: 210, g: 210, b: 40 });
    await room.addSimulatedVenue('sv-1', 'Jilin City', { r: 210, g: 40, b: 40 });
    await presider.command({ type: 'giveFloor', venueId: 'sv-1' });
    await eventually(() => room.switcher.videoOnAir === 'sv-1');

    jilin.close();
    await eventually(() => presider.mirror.state?.floor.holder === 'main');
    await eventually(() => room.switcher.videoOnAir === 'main');
    expect(presider.state.venues['sv-1']?.present).toBe(false);
  });
});

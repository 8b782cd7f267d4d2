import type { Plenary } from '../app/plenary';
import { ControlClient, rawEmit } from '../test/control-client';
import { createTestConference, startTestPlenary, threeVenues, tokenOf, type CreatedConference } from '../test/harness';

type Answer = { ok: boolean; data?: Record<string, unknown>; error?: { code: string; message: string } };

describe('media signalling on the control channel', () => {
  let plenary: Plenary;
  let created: CreatedConference;
  let presider: ControlClient;
  let jilin: ControlClient;
  let siping: ControlClient;

  beforeAll(async () => {
    plenary = await startTestPlenary();
    created = await createTestConference(plenary.url, threeVenues('media'));
    presider = await ControlClient.connect(plenary.url, { conferenceId: 'media', hostSecret: created.hostSecret });
    jilin = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[0]!.url) });
    siping = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[1]!.url) });
  });

  afterAll(async () => {
    for (const client of [presider, jilin, siping]) client.close();
    await plenary.close();
  });

  it('gives a venue the router capabilities and a WebRTC transport on the worker\'s single port', async () => {
    const caps = (await rawEmit(jilin, 'media:capabilities')) as Answer;
    expect(caps.ok).toBe(true);
    const mimeTypes = (caps.data?.codecs as { mimeType: string }[]).map((c) => c.mimeType);
    expect(mimeTypes).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
    const transport = (await rawEmit(jilin, 'media:createTransport')) as Answer;
    expect(transport.ok).toBe(true);
    const candidates = transport.data?.iceCandidates as { port: number; protocol: string }[];
    const rtcPort = plenary.workers.status()[0]?.rtcPort;
    expect(candidates.map((c) => c.port)).toEqual([rtcPort, rtcPort]);
  });

  it('keeps every venue to its own transports', async () => {
    const transport = (await rawEmit(jilin, 'media:createTransport')) as Answer;
    const transportId = transport.data?.id as string;
    const produced = (await rawEmit(siping, 'media:produce', {
      transportId,
      kind: 'video',
      rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 1234 }] },
    })) as Answer;
    expect(produced).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('lets a sub-venue receive the program and the main venue, but not another sub-venue', async () => {
    const transport = (await rawEmit(jilin, 'media:createTransport')) as Answer;
    const caps = (await rawEmit(jilin, 'media:capabilities')) as Answer;
    const consume = (target: unknown) => rawEmit(jilin, 'media:consume', { transportId: transport.data?.id, target, rtpCapabilities: caps.data });
    expect(await consume({ venueId: 'sv-2', kind: 'video' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const program = (await consume({ program: 'video' })) as Answer;
    expect(program.ok).toBe(true);
    expect(program.data).toMatchObject({ kind: 'video' });
    // The main venue publishes nothing yet: a clear NOT_FOUND, not a crash.
    expect(await consume({ venueId: 'main', kind: 'video' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('restarts ICE on a venue\'s own transport, and closes only its own consumers', async () => {
    const transport = (await rawEmit(siping, 'media:createTransport')) as Answer;
    const transportId = transport.data?.id as string;
    const restarted = (await rawEmit(siping, 'media:restartIce', { transportId })) as Answer;
    expect(restarted.ok).toBe(true);
    const fresh = restarted.data?.iceParameters as { usernameFragment: string };
    expect(fresh.usernameFragment).not.toBe((transport.data?.iceParameters as { usernameFragment: string }).usernameFragment);
    expect(await rawEmit(jilin, 'media:restartIce', { transportId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    const caps = (await rawEmit(siping, 'media:capabilities')) as Answer;
    const program = (await rawEmit(siping, 'media:consume', { transportId, target: { program: 'video' }, rtpCapabilities: caps.data })) as Answer;
    const consumerId = program.data?.id as string;
    expect(await rawEmit(jilin, 'media:closeConsumer', { consumerId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await rawEmit(siping, 'media:closeConsumer', { consumerId })).toMatchObject({ ok: true });
    // Closed means gone: resuming it now is refused.
    expect(await rawEmit(siping, 'media:resume', { consumerId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await rawEmit(siping, 'media:closeConsumer', { consumerId: 'nope' })).toMatchObject({ ok: false, error: { code: 'INVALID' } });
  });

  it('answers malformed or impossible media requests with INVALID', async () => {
    const transport = (await rawEmit(presider, 'media:createTransport')) as Answer;
    const transportId = transport.data?.id as string;
    expect(await rawEmit(presider, 'media:produce', { transportId, kind: 'smell', rtpParameters: { codecs: [{}] } })).toMatchObject({ ok: false, error: { code: 'INVALID' } });
    expect(await rawEmit(presider, 'media:produce', { transportId, kind: 'video', rtpParameters: { codecs: [{ mimeType: 'video/NOPE', payloadType: 96, clockRate: 90000 }] } })).toMatchObject({ ok: false, error: { code: 'INVALID' } });
    expect(await rawEmit(presider, 'media:connectTransport', { transportId, dtlsParameters: { fingerprints: [] } })).toMatchObject({ ok: false, error: { code: 'INVALID' } });
    expect(await rawEmit(presider, 'media:resume', { consumerId: 'not-a-uuid' })).toMatchObject({ ok: false, error: { code: 'INVALID' } });
  });
});

import type { Plenary } from '../app/plenary';
import { ControlClient, rawEmit, type Refusal } from '../test/control-client';
import { TEST_ADMIN_KEY, createTestConference, joinToken, startTestPlenary, threeVenues, tokenOf } from '../test/harness';

type Answer = { ok: boolean; data?: Record<string, unknown>; error?: { code: string; message: string } };

describe('an interpreter: its own link, its voice on its channel, nothing else', () => {
  let plenary: Plenary;
  let presider: ControlClient;
  let n = 0;
  let id: string;

  beforeAll(async () => {
    plenary = await startTestPlenary();
  });
  afterAll(async () => {
    presider?.close();
    await plenary?.close();
  });
  beforeEach(async () => {
    id = `interp-${++n}`;
    const created = await createTestConference(plenary.url, threeVenues(id));
    presider?.close();
    presider = await ControlClient.connect(plenary.url, { conferenceId: id, hostSecret: created.hostSecret });
    expect(await presider.command({ type: 'addInterpretationChannel', language: 'en', name: 'English' })).toMatchObject({ ok: true });
  });

  const interpreterLink = async () => (await rawEmit(presider, 'interpreterLink', { channelId: 'in-en' })) as { ok: boolean; data: { url: string } };
  const refusal = (token: string) => ControlClient.connect(plenary.url, { token }, { reconnection: false }).then((c) => (c.close(), undefined), (r: Refusal) => r);

  it('refuses channels with a bad language, a second one in a language, and an unknown one, changing nothing', async () => {
    const before = (await plenary.conferences.get(id))?.version;
    expect(await presider.command({ type: 'addInterpretationChannel', language: 'EN', name: 'English' })).toMatchObject({ ok: false, error: { code: 'INVALID' } });
    expect(await presider.command({ type: 'addInterpretationChannel', language: 'en', name: 'English again' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await presider.command({ type: 'removeInterpretationChannel', channelId: 'in-ko' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await presider.command({ type: 'removeInterpretationChannel', channelId: 'cc-en' } as never)).toMatchObject({ ok: false, error: { code: 'INVALID' } });
    expect(await rawEmit(presider, 'interpreterLink', { channelId: 'in-ko' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await plenary.conferences.get(id))?.version).toBe(before);
  });

  it('opens a socket as the interpreter of its channel, which is no venue of the conference', async () => {
    const link = await interpreterLink();
    expect(link.data.url).toMatch(/\/interpret\/[\w-]+\.[\w-]+\.[\w-]+$/);
    const interpreter = await ControlClient.connect(plenary.url, { token: tokenOf(link.data.url) });
    try {
      expect(interpreter.identity).toEqual({ conferenceId: id, actor: { role: 'interpreter', channelId: 'in-en' } });
      const state = await plenary.conferences.get(id);
      expect(Object.values(state?.venues ?? {}).filter((v) => v.present).map((v) => v.id)).toEqual(['main']);
      expect(state?.venues['in-en']).toBeUndefined();
    } finally {
      interpreter.close();
    }
  });

  it('lets an interpreter publish its voice only and receive the program and the main venue only', async () => {
    const interpreter = await ControlClient.connect(plenary.url, { token: tokenOf((await interpreterLink()).data.url) });
    try {
      const caps = (await rawEmit(interpreter, 'media:capabilities')) as Answer;
      const transport = (await rawEmit(interpreter, 'media:createTransport')) as { data: { id: string } };
      const rtpParameters = { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 1 }] };
      expect(await rawEmit(interpreter, 'media:produce', { transportId: transport.data.id, kind: 'video', rtpParameters })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      const consume = (target: unknown) => rawEmit(interpreter, 'media:consume', { transportId: transport.data.id, target, rtpCapabilities: caps.data });
      expect(await consume({ venueId: 'sv-1', kind: 'video' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await consume({ program: 'video' })).toMatchObject({ ok: true });
      expect(await consume({ interpretation: 'in-en' })).toMatchObject({ ok: true });
      expect(await consume({ interpretation: 'in-xx' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await rawEmit(interpreter, 'media:stats')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      // The interpreter cannot touch a venue's media: a consumer of Jilin City's is not found for it,
      // and stays Jilin City's (it resumes it after).
      const operator = await ControlClient.connect(plenary.url, { token: await joinToken(plenary.url, id, 'sv-1') });
      try {
        const own = (await rawEmit(operator, 'media:createTransport')) as { data: { id: string } };
        const consumer = (await rawEmit(operator, 'media:consume', { transportId: own.data.id, target: { program: 'video' }, rtpCapabilities: caps.data })) as { data: { id: string } };
        expect(await rawEmit(interpreter, 'media:closeConsumer', { consumerId: consumer.data.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
        expect(await rawEmit(interpreter, 'media:resume', { consumerId: consumer.data.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
        expect(await rawEmit(operator, 'media:resume', { consumerId: consumer.data.id })).toMatchObject({ ok: true });
      } finally {
        operator.close();
      }
    } finally {
      interpreter.close();
    }
  });

  it('cuts the interpreter off when its channel is removed, and its link stays dead when the channel is added again', async () => {
    const token = tokenOf((await interpreterLink()).data.url);
    const interpreter = await ControlClient.connect(plenary.url, { token }, { reconnection: false });
    const gone = new Promise<void>((resolve) => interpreter.socket.once('disconnect', () => resolve()));
    expect(await presider.command({ type: 'removeInterpretationChannel', channelId: 'in-en' })).toMatchObject({ ok: true });
    await gone;
    expect(await refusal(token)).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('removed') });
    expect(await presider.command({ type: 'addInterpretationChannel', language: 'en', name: 'English' })).toMatchObject({ ok: true });
    expect(await refusal(token)).toMatchObject({ code: 'UNAUTHENTICATED' });
    // The new channel's link works.
    expect(await refusal(tokenOf((await interpreterLink()).data.url))).toBeUndefined();
  });

  it('keeps the links apart: an interpreter link posts no caption, a captioner link opens no socket', async () => {
    const token = tokenOf((await interpreterLink()).data.url);
    const posted = await fetch(`${plenary.url}/api/conferences/${id}/captions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ text: 'hello' }) });
    expect(posted.status).toBe(401);
    expect(await presider.command({ type: 'addCaptionChannel', language: 'en', name: 'English' })).toMatchObject({ ok: true });
    const captioner = (await rawEmit(presider, 'captionerLink', { channelId: 'cc-en' })) as { data: { url: string } };
    expect(await refusal(tokenOf(captioner.data.url))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('gives interpreter links through the admin API, never without its key', async () => {
    const ask = (key?: string) => fetch(`${plenary.url}/api/conferences/${id}/interpretation/in-en/link`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: '{}' });
    expect((await ask()).status).toBe(401);
    const answer = (await (await ask(TEST_ADMIN_KEY)).json()) as Answer;
    expect(answer).toMatchObject({ ok: true, data: { channelId: 'in-en' } });
    expect(await refusal(tokenOf(String(answer.data?.url)))).toBeUndefined();
    const unknown = await fetch(`${plenary.url}/api/conferences/${id}/interpretation/in-zz/link`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` }, body: '{}' });
    expect(unknown.status).toBe(404);
  });
});

import * as HLS from 'hls-parser';
import type { Plenary } from '../app/plenary';
import { ControlClient, rawEmit } from '../test/control-client';
import { TEST_ADMIN_KEY, eventually, startTestPlenary, tokenOf } from '../test/harness';

type Answer = { ok: boolean; data?: Record<string, unknown>; error?: { code: string; message: string } };

describe('live captions from a captioner link or a speech recognizer', () => {
  let plenary: Plenary;
  let presider: ControlClient;
  let token: string;
  const post = async (path: string, body: unknown, bearer?: string) => {
    const res = await fetch(`${plenary.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Answer };
  };
  const line = (text: unknown, bearer = token, conferenceId = 'demo') => post(`/api/conferences/${conferenceId}/captions`, { text }, bearer);

  beforeAll(async () => {
    plenary = await startTestPlenary({ DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '240p' }, { demo: true });
    const hostSecret = new URL(plenary.demo?.hostUrl ?? '').hash.replace('#key=', '');
    presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret });
    expect(await presider.command({ type: 'addCaptionChannel', language: 'ko', name: '한국어' })).toMatchObject({ ok: true });
    const link = (await rawEmit(presider, 'captionerLink', { channelId: 'cc-ko' })) as { ok: boolean; data: { url: string } };
    expect(link.data.url).toMatch(/\/caption\/[\w-]+\.[\w-]+\.[\w-]+$/);
    token = tokenOf(link.data.url);
    // The broadcast is on and has the channel.
    await eventually(async () => (await (await fetch(`${plenary.url}/hls/demo/master.m3u8`)).text()).includes('TYPE=SUBTITLES'), 40_000);
  });
  afterAll(async () => {
    presider?.close();
    await plenary?.close();
  });

  it('has the demo\'s simulated captioner typing in Chinese and English', async () => {
    for (const [channel, line] of [['cc-zh', '。'], ['cc-en', '.']] as const) {
      await eventually(async () => {
        const playlist = HLS.parse(await (await fetch(`${plenary.url}/hls/demo/${channel}/index.m3u8`)).text()) as HLS.types.MediaPlaylist;
        const parts = playlist.segments.flatMap((s) => s.parts.map((p) => p.uri));
        const files = await Promise.all(parts.slice(-8).map(async (uri) => (await fetch(`${plenary.url}/hls/demo/${channel}/${uri}`)).text()));
        return files.some((file) => file.split('\n').some((text) => /-->/.test(text) === false && text.endsWith(line)));
      }, 20_000);
    }
  });

  it('tells a captioner page what its link is for', async () => {
    const res = await fetch(`${plenary.url}/api/captioner`, { headers: { authorization: `Bearer ${token}` } });
    expect(await res.json()).toMatchObject({ ok: true, data: { conferenceId: 'demo', channel: { id: 'cc-ko', language: 'ko', name: '한국어' }, delayMs: 0 } });
  });

  it('puts a typed line into the broadcast\'s WebVTT captions, as text even when it looks like markup', async () => {
    expect(await line('各位代表，上午好')).toMatchObject({ status: 201, body: { ok: true, data: { channelId: 'cc-ko' } } });
    expect((await line('<script>alert(1)</script>')).status).toBe(201);
    const master = HLS.parse(await (await fetch(`${plenary.url}/hls/demo/master.m3u8`)).text()) as HLS.types.MasterPlaylist;
    // The demo's two channels, and the one added here.
    expect(master.variants[0]?.subtitles.map((s) => [s.language, s.name, s.uri])).toEqual([['zh', '中文', 'cc-zh/index.m3u8'], ['en', 'English', 'cc-en/index.m3u8'], ['ko', '한국어', 'cc-ko/index.m3u8']]);
    // Within a few parts, the lines are in the captions rendition's newest parts.
    const texts = await eventually(async () => {
      const playlist = HLS.parse(await (await fetch(`${plenary.url}/hls/demo/cc-ko/index.m3u8`)).text()) as HLS.types.MediaPlaylist;
      const parts = playlist.segments.flatMap((s) => s.parts.map((p) => p.uri));
      const files = await Promise.all(parts.slice(-8).map(async (uri) => (await fetch(`${plenary.url}/hls/demo/cc-ko/${uri}`)).text()));
      const all = files.join('\n');
      return all.includes('各位代表，上午好') && all.includes('&lt;script&gt;') ? all : undefined;
    }, 20_000);
    expect(texts).not.toContain('<script>');
    const res = await fetch(`${plenary.url}/hls/demo/cc-ko/index.m3u8`);
    expect(res.headers.get('content-type')).toMatch(/mpegurl/);
  });

  it('refuses bad lines and wrong callers with stable codes, and sends nothing', async () => {
    expect(await line('')).toMatchObject({ status: 400, body: { error: { code: 'INVALID' } } });
    expect(await line('two\nlines')).toMatchObject({ status: 400, body: { error: { code: 'INVALID' } } });
    expect(await line('x'.repeat(201))).toMatchObject({ status: 400, body: { error: { code: 'INVALID' } } });
    expect(await line(42)).toMatchObject({ status: 400, body: { error: { code: 'INVALID' } } });
    expect(await line('hello', '')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await line('hello', 'not-a-token')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    // A venue's join link is not a captioner link, nor the other way round.
    const venueToken = tokenOf(plenary.demo?.joinLinks[0]?.url ?? '');
    expect(await line('hello', venueToken)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    await expect(ControlClient.connect(plenary.url, { token })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // The link is for this conference and this channel only.
    expect(await line('hello', token, 'other')).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await post('/api/conferences/demo/captions', { text: 'hello', channelId: 'cc-en' }, token)).toMatchObject({ status: 403 });
    // Only the presider hands out captioner links; a wrong language code is refused.
    const operator = await ControlClient.connect(plenary.url, { token: venueToken });
    try {
      expect(await rawEmit(operator, 'captionerLink', { channelId: 'cc-ko' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    } finally {
      operator.close();
    }
    expect(await presider.command({ type: 'addCaptionChannel', language: 'Chinese', name: 'x' } as never)).toMatchObject({ ok: false, error: { code: 'INVALID' } });
  });

  it('takes lines from a speech recognizer with the admin key, naming the channel', async () => {
    expect(await post('/api/conferences/demo/captions', { text: 'recognised' }, TEST_ADMIN_KEY)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await post('/api/conferences/demo/captions', { text: 'recognised', channelId: 'cc-ko' }, TEST_ADMIN_KEY)).toMatchObject({ status: 201 });
    const link = await post('/api/conferences/demo/captions/cc-ko/link', {}, TEST_ADMIN_KEY);
    expect(link.body.data?.url).toMatch(/\/caption\//);
  });

  it('slows a flood down without touching the broadcast', async () => {
    const broadcast = (await plenary.media.room('demo')).broadcast;
    const encoder = broadcast?.encoderPid;
    const parts = broadcast?.renditions[0]?.hls.published ?? 0;
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => line(`line ${i}`)));
    expect(answers.filter((a) => a.status === 429).length).toBeGreaterThan(0);
    expect(answers.every((a) => a.status === 201 || a.body.error?.code === 'RATE_LIMITED')).toBe(true);
    // The same encoder goes on making parts.
    await eventually(() => (broadcast?.renditions[0]?.hls.published ?? 0) > parts + 3, 10_000);
    expect(broadcast?.encoderPid).toBe(encoder);
    expect(encoder).toBeDefined();
  });

  it('stops a removed channel\'s link at once', async () => {
    expect(await presider.command({ type: 'removeCaptionChannel', channelId: 'cc-ko' })).toMatchObject({ ok: true });
    expect(await line('still there?')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    // Added again, it has a new link version: the old link stays dead.
    expect(await presider.command({ type: 'addCaptionChannel', language: 'ko', name: '한국어' })).toMatchObject({ ok: true });
    expect(await line('still there?')).toMatchObject({ status: 401 });
  });

  it('are in the recording once the conference ends, as a subtitles rendition of it', async () => {
    const link = (await rawEmit(presider, 'captionerLink', { channelId: 'cc-ko' })) as { data: { url: string } };
    // (The flood above may still be slowing this channel down: a moment later it is through.)
    await eventually(async () => (await line('录下这一句', tokenOf(link.data.url))).status === 201, 10_000);
    // A segment holding the line is complete (the growing one at the end is not recorded).
    await eventually(async () => {
      const playlist = HLS.parse(await (await fetch(`${plenary.url}/hls/demo/cc-ko/index.m3u8`)).text()) as HLS.types.MediaPlaylist;
      const segments = await Promise.all(playlist.segments.map(async (segment) => (await fetch(`${plenary.url}/hls/demo/cc-ko/${segment.uri}`)).text()));
      return segments.some((file) => file.includes('录下这一句'));
    }, 20_000);
    expect(await presider.command({ type: 'endConference' })).toMatchObject({ ok: true });
    const master = await eventually(async () => {
      const text = await (await fetch(`${plenary.url}/hls/demo/master.m3u8`)).text();
      const playlist = await (await fetch(`${plenary.url}/hls/demo/cc-ko/index.m3u8`)).text();
      return playlist.includes('#EXT-X-ENDLIST') ? text : undefined;
    }, 20_000);
    expect((HLS.parse(master) as HLS.types.MasterPlaylist).variants[0]?.subtitles.map((s) => s.uri)).toContain('cc-ko/index.m3u8');
    const recorded = HLS.parse(await (await fetch(`${plenary.url}/hls/demo/cc-ko/index.m3u8`)).text()) as HLS.types.MediaPlaylist;
    const files = await Promise.all(recorded.segments.map(async (segment) => (await fetch(`${plenary.url}/hls/demo/cc-ko/${segment.uri}`)).text()));
    expect(files.join('\n')).toContain('录下这一句');
    expect(files.every((file) => file.startsWith('WEBVTT'))).toBe(true);
  });
});


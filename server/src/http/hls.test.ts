import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as HLS from 'hls-parser';
import { request } from 'undici';
import { runToCompletion } from '@plenary/sfu';
import type { Plenary } from '../app/plenary';
import { ControlClient } from '../test/control-client';
import { createTestConference, eventually, startTestPlenary, threeVenues } from '../test/harness';

describe('the HLS origin', () => {
  let plenary: Plenary;
  let base: string;

  beforeAll(async () => {
    plenary = await startTestPlenary({ DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '360p' }, { demo: true });
    base = `${plenary.url}/hls/demo`;
    // The ladder needs a couple of segments before there is much to look at.
    await eventually(async () => {
      const res = await fetch(`${base}/360p/index.m3u8`);
      return res.status === 200 && ((await res.text()).match(/#EXTINF/g)?.length ?? 0) >= 2;
    }, 40_000);
  });

  afterAll(() => plenary.close());

  it('serves a multivariant playlist that names each rendition\'s codecs, size and bandwidth', async () => {
    const res = await fetch(`${base}/master.m3u8`);
    expect(res.headers.get('content-type')).toMatch(/^application\/vnd\.apple\.mpegurl/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const master = HLS.parse(await res.text()) as HLS.types.MasterPlaylist;
    expect(master.variants).toHaveLength(1);
    const variant = master.variants[0] as HLS.types.Variant;
    expect(variant.resolution).toEqual({ width: 640, height: 360 });
    expect(variant.codecs).toBe('avc1.4d401f,mp4a.40.2');
    expect(variant.bandwidth).toBeGreaterThan(variant.averageBandwidth ?? 0);
    expect(variant.frameRate).toBe(30);
    expect(variant.audio[0]?.uri).toBe('audio/index.m3u8');
  });

  it('serves media playlists for low-latency players, cacheable for a second', async () => {
    const res = await fetch(`${base}/360p/index.m3u8`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=1');
    const text = await res.text();
    const playlist = HLS.parse(text) as HLS.types.MediaPlaylist;
    // The default part length, 1/3 s (10 frames at 30 fps: PART-TARGET is the longest part, rounded up
    // to the millisecond), and players held three parts behind live.
    const partTarget = playlist.partTargetDuration ?? 0;
    expect(partTarget).toBeGreaterThanOrEqual(0.333);
    expect(partTarget).toBeLessThanOrEqual(0.34);
    expect(playlist.lowLatencyCompatibility).toMatchObject({ canBlockReload: true, canSkipUntil: 12 });
    expect(playlist.lowLatencyCompatibility?.partHoldBack).toBeCloseTo(3 * partTarget, 3);
    expect(text).toContain('#EXT-X-RENDITION-REPORT:URI="../audio/index.m3u8"');
    expect(text).toMatch(/#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-\d+-\d+\.m4s"/);
    // Who is speaking, as timed metadata with the venue's name from the conference.
    expect(text).toMatch(/#EXT-X-DATERANGE:ID="speaker-\d+",CLASS="com.plenary.speaker",START-DATE="[^"]+",END-ON-NEXT=YES,X-VENUE-ID="main",X-VENUE-NAME="Changchun main venue"/);
  });

  it('holds a blocking reload until the requested part exists, then lists it', async () => {
    const text = await (await fetch(`${base}/360p/index.m3u8`)).text();
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-(\d+)-(\d+)\.m4s"/.exec(text);
    const [msn, part] = [Number(hint?.[1]), Number(hint?.[2])];
    const res = await fetch(`${base}/360p/index.m3u8?_HLS_msn=${msn}&_HLS_part=${part}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`URI="part-${msn}-${part}.m4s"`);
  });

  it('answers a crowd held for one part with one playlist, built once, that an edge can revalidate', async () => {
    const text = await (await fetch(`${base}/360p/index.m3u8`)).text();
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-(\d+)-(\d+)\.m4s"/.exec(text);
    const url = `${base}/360p/index.m3u8?_HLS_msn=${hint?.[1]}&_HLS_part=${hint?.[2]}`;
    const reads = jest.spyOn(plenary.conferences, 'get');
    // Parts published by every rendition (each one changes the playlist's rendition reports).
    const published = async () => ((await plenary.media.existingRoom('demo'))?.broadcast?.renditions ?? []).reduce((sum, r) => sum + r.hls.published, 0);
    try {
      const before = await published();
      const answers = await Promise.all(Array.from({ length: 300 }, () => fetch(url).then(async (res) => ({ status: res.status, etag: res.headers.get('etag'), body: await res.text() }))));
      const partsMeanwhile = (await published()) - before;
      expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
      expect(answers.every((a) => a.body.includes(`URI="part-${hint?.[1]}-${hint?.[2]}.m4s"`))).toBe(true);
      // One playlist per part that came while the crowd asked, however many asked (one, when all
      // 300 were held for the same part; a slow machine sends them across a few parts).
      const bodies = new Set(answers.map((a) => a.body));
      expect(bodies.size).toBeLessThanOrEqual(partsMeanwhile + 1);
      expect(new Set(answers.map((a) => a.etag)).size).toBe(bodies.size);
      // The conference is not read per request: the venue names come with the events.
      expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
      // While no new part arrived, an edge revalidating with the ETag it holds gets a 304 (a part may land in
      // between: ask again). undici's request, as fetch adds Cache-Control: no-cache to conditional requests.
      await eventually(async () => {
        const current = await request(`${base}/360p/index.m3u8`);
        await current.body.text();
        const revalidated = await request(`${base}/360p/index.m3u8`, { headers: { 'if-none-match': String(current.headers.etag) } });
        await revalidated.body.text();
        return revalidated.statusCode === 304;
      }, 10_000);
    } finally {
      reads.mockRestore();
    }
  });

  it('builds the next playlist afresh when the floor moves or a venue is renamed', async () => {
    const hostSecret = new URL(plenary.demo?.hostUrl ?? '').hash.replace('#key=', '');
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret });
    try {
      expect(await presider.command({ type: 'renameVenue', venueId: 'main', name: 'Changchun Hall' })).toMatchObject({ ok: true });
      await eventually(async () => (await (await fetch(`${base}/360p/index.m3u8`)).text()).includes('X-VENUE-NAME="Changchun Hall"'), 10_000);
      expect(await presider.command({ type: 'renameVenue', venueId: 'main', name: 'Changchun main venue' })).toMatchObject({ ok: true });
      await eventually(async () => !(await (await fetch(`${base}/360p/index.m3u8`)).text()).includes('Changchun Hall'), 10_000);
    } finally {
      presider.close();
    }
  });

  it('serves init, parts and segments as immutable objects that decode', async () => {
    const playlist = HLS.parse(await (await fetch(`${base}/360p/index.m3u8`)).text()) as HLS.types.MediaPlaylist;
    const segment = playlist.segments[0] as HLS.types.Segment;
    const [init, media] = await Promise.all([fetch(`${base}/360p/${segment.map?.uri}`), fetch(`${base}/360p/${segment.uri}`)]);
    for (const res of [init, media]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('content-type')).toBe('video/mp4');
    }
    const dir = await mkdtemp(join(tmpdir(), 'plenary-origin-'));
    try {
      const file = join(dir, 'segment.mp4');
      await writeFile(file, Buffer.concat([Buffer.from(await init.arrayBuffer()), Buffer.from(await media.arrayBuffer())]));
      const decode = await runToCompletion('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
      expect(decode.stderr).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const partUri = /URI="(part-\d+-\d+\.m4s)"/.exec(await (await fetch(`${base}/360p/index.m3u8`)).text())?.[1];
    const part = await fetch(`${base}/360p/${partUri}`);
    expect(part.status).toBe(200);
    expect(part.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('answers what it never produced with 404, and malformed requests with 400, at once', async () => {
    for (const path of ['/hls/demo/360p/part-999999-0.m4s', '/hls/demo/360p/%2e%2e%2f%2e%2e%2fpackage.json', '/hls/demo/4k/index.m3u8', '/hls/nope/master.m3u8', '/hls/demo/360p/init-7.mp4', '/hls/../package.json']) {
      const res = await fetch(`${plenary.url}${path}`);
      expect([path, res.status]).toEqual([path, 404]);
    }
    for (const query of ['_HLS_msn=abc', '_HLS_part=1', '_HLS_msn=999999999999', '_HLS_msn=1234567890123']) {
      const res = await fetch(`${base}/360p/index.m3u8?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
    }
  });

  it('serves the recording as video on demand once the conference has ended', async () => {
    const hostSecret = new URL(plenary.demo?.hostUrl ?? '').hash.replace('#key=', '');
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret });
    try {
      expect(await presider.command({ type: 'endConference' })).toMatchObject({ ok: true });
    } finally {
      presider.close();
    }
    const playlist = await eventually(async () => {
      const res = await fetch(`${base}/360p/index.m3u8`);
      const text = await res.text();
      return res.status === 200 && text.includes('#EXT-X-ENDLIST') ? text : undefined;
    }, 15_000);
    expect(playlist).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    const master = HLS.parse(await (await fetch(`${base}/master.m3u8`)).text()) as HLS.types.MasterPlaylist;
    expect(master.variants[0]?.uri).toBe('360p/index.m3u8');
    const segment = /^(segment-\d+\.m4s)$/m.exec(playlist)?.[1];
    const res = await fetch(`${base}/360p/${segment}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${base}/360p/..%2f..%2fmaster.m3u8`)).status).toBe(404);
  });

});

describe('a conference going on, with a recording from an earlier run on disk', () => {
  it('is "not broadcasting yet", not the old recording, until it ends', async () => {
    const archive = await mkdtemp(join(tmpdir(), 'plenary-rerun-'));
    const plenary = await startTestPlenary({ ARCHIVE_DIR: archive });
    try {
      const created = await createTestConference(plenary.url, threeVenues('rerun'));
      // What a run before this one recorded of a conference with the same id (the demo, say).
      await mkdir(join(archive, 'rerun', '2026-11-30T09-00-00-000Z'), { recursive: true });
      await writeFile(join(archive, 'rerun', '2026-11-30T09-00-00-000Z', 'master.m3u8'), '#EXTM3U\n');
      const live = await fetch(`${plenary.url}/hls/rerun/master.m3u8`);
      expect(live.status).toBe(404);
      expect(await live.json()).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: 'This conference is not broadcasting' } });
      const presider = await ControlClient.connect(plenary.url, { conferenceId: 'rerun', hostSecret: created.hostSecret });
      try {
        expect(await presider.command({ type: 'endConference' })).toMatchObject({ ok: true });
      } finally {
        presider.close();
      }
      // Ended: its recording is what there is to watch.
      const ended = await fetch(`${plenary.url}/hls/rerun/master.m3u8`);
      expect(ended.status).toBe(200);
      expect(await ended.text()).toBe('#EXTM3U\n');
    } finally {
      await plenary.close();
      await rm(archive, { recursive: true, force: true });
    }
  });
});


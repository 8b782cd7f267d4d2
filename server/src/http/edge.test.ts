import type { Plenary } from '../app/plenary';
import { startEdge } from '../test/edge';
import { eventually, startTestPlenary } from '../test/harness';

describe('the nginx edge in front of the HLS origin', () => {
  let plenary: Plenary;
  let edge: Awaited<ReturnType<typeof startEdge>>;

  beforeAll(async () => {
    plenary = await startTestPlenary({ DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: '240p' }, { demo: true });
    edge = await startEdge(plenary.url);
    await eventually(async () => {
      const res = await fetch(`${edge.url}/hls/demo/240p/index.m3u8`);
      return res.status === 200 && ((await res.text()).match(/#EXTINF/g)?.length ?? 0) >= 1;
    }, 40_000);
  });

  afterAll(async () => {
    await edge?.stop();
    await plenary?.close();
  });

  /** How the edge answered requests for a path: cache statuses from its access log. */
  const statuses = async (path: string) => (await edge.accessLog()).filter((line) => line.includes(`GET ${path} `)).map((line) => line.split(' ').at(-2));

  it('collapses a crowd waiting for the next part into one origin request', async () => {
    const playlist = await (await fetch(`${edge.url}/hls/demo/240p/index.m3u8`)).text();
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="(part-\d+-\d+\.m4s)"/.exec(playlist)?.[1] as string;
    const path = `/hls/demo/240p/${hint}`;
    const answers = await Promise.all(Array.from({ length: 40 }, () => fetch(`${edge.url}${path}`)));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    const bodies = await Promise.all(answers.map(async (r) => Buffer.from(await r.arrayBuffer()).toString('base64')));
    expect(new Set(bodies).size).toBe(1);
    await eventually(async () => (await statuses(path)).length === 40);
    // One viewer's request went to the origin; the other 39 waited for it at the edge.
    expect((await statuses(path)).filter((s) => s === 'MISS')).toHaveLength(1);
  });

  it('answers a crowd asking for a part that does not exist from one origin request', async () => {
    // What viewers ask for after a broadcast restarted: the part the old one had announced.
    const playlist = await (await fetch(`${edge.url}/hls/demo/240p/index.m3u8`)).text();
    const msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)?.[1]);
    const path = `/hls/demo/240p/part-${msn - 50}-0.m4s`;
    const answers = await Promise.all(Array.from({ length: 40 }, () => fetch(`${edge.url}${path}`)));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 404));
    expect(((await answers[0]?.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    await eventually(async () => (await statuses(path)).length === 40);
    expect((await statuses(path)).filter((s) => s === 'MISS')).toHaveLength(1);
  });

  it('keeps the blocking-reload parameters in the cache key and collapses identical blocking requests', async () => {
    const playlist = await (await fetch(`${edge.url}/hls/demo/240p/index.m3u8`)).text();
    const [, msn, part] = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-(\d+)-(\d+)\.m4s"/.exec(playlist) ?? [];
    const path = `/hls/demo/240p/index.m3u8?_HLS_msn=${msn}&_HLS_part=${part}`;
    const answers = await Promise.all(Array.from({ length: 30 }, () => fetch(`${edge.url}${path}`)));
    const texts = await Promise.all(answers.map((r) => r.text()));
    expect(texts.every((t) => t.includes(`URI="part-${msn}-${part}.m4s"`))).toBe(true);
    await eventually(async () => (await statuses(path)).length === 30);
    expect((await statuses(path)).filter((s) => s === 'MISS')).toHaveLength(1);
    // The same part asked for as a delta update is another object: the edge asks the origin for it.
    const delta = `${path}&_HLS_skip=YES`;
    expect((await fetch(`${edge.url}${delta}`)).status).toBe(200);
    await eventually(async () => (await statuses(delta)).length === 1);
    expect(await statuses(delta)).toEqual(['MISS']);
  });
});

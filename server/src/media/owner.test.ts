import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { TestRedis } from '../test/redis-server';
import { ServerProcess, broadcastEncoders, freePort } from '../test/processes';
import { TEST_ADMIN_KEY, eventually } from '../test/harness';
import { startEdge } from '../test/edge';

const encoders = (server: ServerProcess) => broadcastEncoders(server.child.pid as number);
const recordings = (dir: string) => (existsSync(join(dir, 'demo')) ? readdirSync(join(dir, 'demo')).length : 0);
const playlist = async (server: ServerProcess) => {
  const res = await fetch(`${server.url}/hls/demo/360p/index.m3u8`);
  return res.status === 200 ? res.text() : undefined;
};
const mediaSequence = (text: string | undefined) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text ?? '')?.[1] ?? Number.NaN);
const lastPart = (text: string | undefined) => text && [...text.matchAll(/URI="(part-\d+-\d+\.m4s)"/g)].at(-2)?.[1];

describe('two server processes with the same configuration on one Redis', () => {
  let redis: TestRedis;
  const servers: ServerProcess[] = [];
  const archives: string[] = [];

  // Three workers: the program's and two for venues, as docs/capacity.md advises.
  const env = (i: number) => ({ REDIS_URL: redis.url, BROADCAST_LADDER: '360p', DEMO_SIMULATED_VENUES: '1', ARCHIVE_DIR: archives[i] as string, MEDIASOUP_WORKERS: '3' });

  /** A viewer polling the playlist through an edge: the longest it went without a new part. */
  const watchThrough = (edgeUrl: string) => {
    const seen = { newest: undefined as string | undefined, newestAt: Date.now(), longestGapMs: 0 };
    let polling = true;
    const done = (async () => {
      while (polling) {
        const text = await fetch(`${edgeUrl}/hls/demo/360p/index.m3u8`).then((res) => (res.ok ? res.text() : undefined), () => undefined);
        const part = lastPart(text);
        if (part && part !== seen.newest) {
          // Counted from the first part seen: the wait for that one is not a gap.
          if (seen.newest !== undefined) seen.longestGapMs = Math.max(seen.longestGapMs, Date.now() - seen.newestAt);
          seen.newest = part;
          seen.newestAt = Date.now();
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    return { seen, stop: () => ((polling = false), done) };
  };

  beforeAll(async () => {
    redis = await TestRedis.create({ durable: false });
    for (let i = 0; i < 2; i++) archives.push(await mkdtemp(join(tmpdir(), 'plenary-owner-archive-')));
    servers.push(await ServerProcess.start(await freePort(), env(0)), await ServerProcess.start(await freePort(), env(1)));
  }, 90_000);

  afterAll(async () => {
    for (const server of servers) await server.stop();
    await redis?.close();
    for (const dir of archives) await rm(dir, { recursive: true, force: true });
  });

  it('broadcast and record each conference once, and both origins serve that one broadcast', async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess];
    await eventually(async () => ((await playlist(a))?.match(/#EXTINF/g)?.length ?? 0) >= 2 && (await playlist(b)) !== undefined, 60_000);
    expect(encoders(a) + encoders(b)).toBe(1);
    expect(recordings(archives[0] as string) + recordings(archives[1] as string)).toBe(1);
    // The same part from either origin is the same bytes: one encoder's output, not two look-alikes.
    const part = lastPart(await playlist(a)) as string;
    const [fromA, fromB] = await Promise.all([a, b].map(async (s) => Buffer.from(await (await fetch(`${s.url}/hls/demo/360p/${part}`)).arrayBuffer())));
    expect(fromA?.length).toBeGreaterThan(0);
    expect(fromA?.equals(fromB as Buffer)).toBe(true);
  }, 120_000);

  it('take a caption line at either process into the one broadcast', async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const [owner, other] = encoders(a) === 1 ? [a, b] : [b, a];
    // A speech recognizer posting to the process that does not host the media: relayed to the one that does.
    const posted = await fetch(`${other.url}/api/conferences/demo/captions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'relayed to the owner', channelId: 'cc-en' }),
    });
    expect(posted.status).toBe(201);
    await eventually(async () => {
      const text = await (await fetch(`${owner.url}/hls/demo/cc-en/index.m3u8`)).text();
      const parts = [...text.matchAll(/URI="(part-\d+-\d+\.vtt)"/g)].map((m) => m[1]).slice(-8);
      const files = await Promise.all(parts.map(async (part) => (await fetch(`${owner.url}/hls/demo/cc-en/${part}`)).text()));
      return files.some((file) => file.includes('relayed to the owner'));
    }, 20_000);
  }, 60_000);

  it('keep viewers behind the edge playing when the program\'s worker dies (rebuilt at once, one encoder)', async () => {
    const owner = servers.find((server) => encoders(server) === 1) as ServerProcess;
    const health = (await (await fetch(`${owner.url}/healthz`)).json()) as { mediasoup: { workers: { pid: number; programs: number; venues: number }[] } };
    const program = health.mediasoup.workers.find((worker) => worker.programs === 1);
    // Apart from the venues, while other workers live.
    expect(program?.venues).toBe(0);
    const edge = await startEdge(servers.map((server) => server.url));
    const viewer = watchThrough(edge.url);
    try {
      await eventually(() => viewer.seen.newest !== undefined, 20_000);
      process.kill(program?.pid as number, 'SIGKILL');
      const killedAt = Date.now();
      // Never two encoders, not even while the old one goes: counted at every look meanwhile.
      let most = 0;
      await eventually(() => {
        most = Math.max(most, encoders(owner));
        return viewer.seen.newestAt > killedAt + 1000;
      }, 30_000);
      expect(most).toBe(1);
    } finally {
      await viewer.stop();
      await edge.stop();
    }
    // Measured 1.5-2.0 s with the default ladder (npm run bench:ownership; the goal is 3 s): at most twice that.
    expect(viewer.seen.longestGapMs).toBeLessThan(4000);
  }, 90_000);

  it('stop broadcasting from a process whose lease went to another, and one process takes it up again once it is free', async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const redisClient = new Redis(redis.url);
    try {
      // As if this process had stalled past its lease and another had taken it meanwhile (a higher fence).
      const fence = await redisClient.incr('plenary:media:fence:demo');
      await redisClient.set('plenary:media:owner:demo', `${fence}|someone-else|http://127.0.0.1:9`, 'PX', 60_000);
      await eventually(() => encoders(a) + encoders(b) === 0, 20_000);
      // The other holder is gone for good: its lease is free again, and one of the two takes it up.
      await redisClient.del('plenary:media:owner:demo');
      await eventually(() => encoders(a) + encoders(b) === 1, 30_000);
      await eventually(async () => (await playlist(a)) !== undefined && (await playlist(b)) !== undefined, 30_000);
    } finally {
      redisClient.disconnect();
    }
  }, 90_000);

  it('keep viewers playing through a rolling restart (SIGTERM each process in turn, start it again)', async () => {
    const ports = servers.map((server) => Number(new URL(server.url).port));
    const edge = await startEdge(servers.map((server) => server.url));
    const viewer = watchThrough(edge.url);
    try {
      await eventually(() => viewer.seen.newest !== undefined, 20_000);
      for (const i of [0, 1]) {
        await servers[i]?.stop();
        servers[i] = await ServerProcess.start(ports[i] as number, env(i));
        // Back with a broadcast behind the edge before the next one goes.
        const back = Date.now();
        await eventually(() => viewer.seen.newestAt > back, 30_000);
      }
    } finally {
      await viewer.stop();
      await edge.stop();
    }
    expect(encoders(servers[0] as ServerProcess) + encoders(servers[1] as ServerProcess)).toBe(1);
    // Measured 1.9 s on a quiet machine (the host hands its lease over before it closes the rest): at most twice that.
    expect(viewer.seen.longestGapMs).toBeLessThan(4000);
  }, 180_000);

  it('fence off an owner paused past its lease: back, it serves the new owner\'s broadcast and lets its own go', async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const [owner, standby] = encoders(a) === 1 ? [a, b] : [b, a];
    const group = -(owner.child.pid as number);
    process.kill(group, 'SIGSTOP'); // as a stalled machine: the server, its workers and its encoder
    try {
      await eventually(() => encoders(standby) === 1, 30_000);
      await eventually(async () => (await playlist(standby)) !== undefined, 20_000);
    } finally {
      process.kill(group, 'SIGCONT');
    }
    const taken = mediaSequence(await playlist(standby));
    // The first answer after it wakes is already the new owner's timeline, not its own stale one
    // (its overdue renewal usually runs first; a request answered before Redis replies to it finds
    // the lease unconfirmed for longer than its length and relays too).
    expect(mediaSequence(await playlist(owner))).toBeGreaterThanOrEqual(taken);
    // Its renewal finds the lease taken: its encoder stops, and one encoder is left.
    await eventually(() => encoders(owner) === 0, 10_000);
    expect(encoders(standby)).toBe(1);
  }, 90_000);

  it('go on broadcasting from the other process when the one hosting it is killed, through an edge with both as origins', async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const [owner, standby] = encoders(a) === 1 ? [a, b] : [b, a];
    const standbyArchive = archives[servers.indexOf(standby)] as string;
    const edge = await startEdge([a.url, b.url]);
    const viewer = watchThrough(edge.url);
    try {
      await eventually(() => viewer.seen.newest !== undefined, 20_000);
      const before = lastPart(await playlist(standby));
      const recordedBefore = recordings(standbyArchive);
      await owner.crash();
      const crashedAt = Date.now();
      // The lease lapses, the standby claims it and builds the media: new parts, a recording here.
      await eventually(async () => {
        const now = lastPart(await playlist(standby));
        return now !== undefined && now !== before && encoders(standby) === 1;
      }, 60_000);
      expect(recordings(standbyArchive)).toBe(recordedBefore + 1);
      // The viewer behind the edge sees new parts again, from the standby's broadcast.
      await eventually(() => viewer.seen.newestAt > crashedAt, 30_000);
    } finally {
      await viewer.stop();
      await edge.stop();
    }
    // Measured 4.3-4.4 s (the lease lapses within 3 s of the kill, then the media is built; the
    // goal is 6 s; npm run bench:ownership): at most twice that.
    expect(viewer.seen.longestGapMs).toBeGreaterThan(0);
    expect(viewer.seen.longestGapMs).toBeLessThan(8800);
  }, 90_000);
});

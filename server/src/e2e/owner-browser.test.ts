import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import * as HLS from 'hls-parser';
import { startEdge } from '../test/edge';
import { TestRedis } from '../test/redis-server';
import { ServerProcess, freePort } from '../test/processes';
import { TestBrowser } from '../test/browser';
import { ControlClient, rawEmit } from '../test/control-client';
import { createTestConference, eventually, threeVenues, tokenOf, type CreatedConference } from '../test/harness';

type Probe = {
  joinAsVenue(url: string, token: string): Promise<void>;
  framesDecoded(): Promise<number>;
  watchBroadcast(url: string): void;
  broadcastState(): { frames: number; currentTime: number; fatalErrors: number; lastFatalError: string | undefined };
};

/** The 360p media playlist as an origin serves it: where its timeline is. */
async function timeline(server: ServerProcess, conferenceId: string) {
  const text = await (await fetch(`${server.url}/hls/${conferenceId}/360p/index.m3u8`)).text();
  const playlist = HLS.parse(text) as HLS.types.MediaPlaylist;
  const last = playlist.segments.at(-1);
  return {
    firstMsn: playlist.mediaSequenceBase ?? 0,
    lastMsn: (playlist.mediaSequenceBase ?? 0) + playlist.segments.length - 1,
    discontinuitySequence: playlist.discontinuitySequenceBase ?? 0,
    lastDate: last?.programDateTime?.getTime() ?? 0,
    discontinuities: playlist.segments.filter((segment) => segment.discontinuity).length,
  };
}

/** Who the broadcast (as this origin serves it) says is speaking now: the newest speaker date range's venue. */
async function speakerOnAir(server: ServerProcess, conferenceId: string): Promise<string | undefined> {
  const res = await fetch(`${server.url}/hls/${conferenceId}/360p/index.m3u8`).catch(() => undefined);
  if (res?.status !== 200) return undefined;
  const venues = [...(await res.text()).matchAll(/CLASS="com\.plenary\.speaker"[^\n]*X-VENUE-ID="([^"]+)"/g)].map((m) => m[1]);
  return venues.at(-1);
}

/**
 * A venue whose socket reaches a process that does not host the conference's
 * media: its calls are relayed to the owner, and its browser sends to the
 * owner's WebRTC port. When the owner is lost, the other process hosts the
 * media and the browser publishes to it by itself.
 */
describe('a browser venue on a cluster of two server processes', () => {
  let redis: TestRedis;
  let owner: ServerProcess;
  let other: ServerProcess;
  let browser: TestBrowser;
  let created: CreatedConference;
  let tab: Page;
  let archive: string;

  beforeAll(async () => {
    redis = await TestRedis.create({ durable: false });
    archive = await mkdtemp(join(tmpdir(), 'plenary-relay-archive-'));
    const env = { REDIS_URL: redis.url, BROADCAST_LADDER: '360p', DEMO_SIMULATED_VENUES: '0', ANNOUNCED_IP: '127.0.0.1', ARCHIVE_DIR: archive };
    [owner, other] = await Promise.all([ServerProcess.start(await freePort(), env), ServerProcess.start(await freePort(), env)]);
    created = await createTestConference(owner.url, threeVenues('relay'));
    browser = await TestBrowser.start();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    for (const server of [owner, other]) await server?.stop();
    await redis?.close();
    await rm(archive, { recursive: true, force: true });
  });

  it('goes on air in the broadcast of the process hosting the media, though its socket reached the other one', async () => {
    // The presider's first media call makes `owner` host the conference's media.
    const presider = await ControlClient.connect(owner.url, { conferenceId: 'relay', hostSecret: created.hostSecret });
    try {
      expect(await rawEmit(presider, 'media:capabilities')).toMatchObject({ ok: true });
      tab = await browser.newTab();
      await tab.evaluate(({ url, token }) => (globalThis as unknown as { plenary: Probe }).plenary.joinAsVenue(url, token), { url: other.url, token: tokenOf(created.joinLinks[0]!.url) });
      expect(await presider.command({ type: 'giveFloor', venueId: 'sv-1' })).toMatchObject({ ok: true });
      // Its camera reached the owner's program: the broadcast says sv-1 speaks, from either origin.
      await eventually(async () => (await speakerOnAir(owner, 'relay')) === 'sv-1', 20_000);
      // And it receives the program (itself, from the owner's router): frames decoded keep increasing.
      const frames = () => tab.evaluate(() => (globalThis as unknown as { plenary: Probe }).plenary.framesDecoded());
      const first = await eventually(async () => ((await frames()) > 0 ? frames() : undefined), 20_000);
      await eventually(async () => (await frames()) > first + 10, 20_000);
      expect(await speakerOnAir(other, 'relay')).toBe('sv-1');
    } finally {
      presider.close();
    }
  }, 90_000);

  it('publishes to the other process by itself once the one hosting the media is lost, and viewers behind the edge play on', async () => {
    const edge = await startEdge([owner.url, other.url]);
    const viewer = await browser.newTab();
    try {
      await viewer.evaluate((url) => (globalThis as unknown as { plenary: Probe }).plenary.watchBroadcast(url), `${edge.url}/hls/relay/master.m3u8`);
      const watching = await eventually(async () => {
        const now = await viewer.evaluate(() => (globalThis as unknown as { plenary: Probe }).plenary.broadcastState());
        return now.frames > 30 ? now : undefined;
      }, 30_000);
      const before = await timeline(other, 'relay');

      await owner.crash();
      const lostAt = Date.now();
      // The standby takes the lease over, builds the media with sv-1 on air (the floor is untouched),
      // and tells the browser, which publishes to it: the broadcast shows sv-1 again.
      await eventually(async () => (await speakerOnAir(other, 'relay')) === 'sv-1', 30_000);
      const backMs = Date.now() - lostAt;
      // Measured about 4.7 s on a quiet machine (the lease lapses within 3 s): at most twice that.
      expect(backMs).toBeLessThan(9400);

      // The same timeline: numbers and dates go on from where they were, past one discontinuity.
      const after = await eventually(async () => {
        const now = await timeline(other, 'relay');
        return now.lastMsn > before.lastMsn + 1 ? now : undefined;
      }, 20_000);
      expect(after.firstMsn).toBeGreaterThan(before.lastMsn);
      expect(after.discontinuitySequence).toBeGreaterThan(before.discontinuitySequence);
      expect(after.lastDate).toBeGreaterThan(before.lastDate);
      // The viewer's player, in the same page, plays on without a fatal error.
      const played = await eventually(async () => {
        const now = await viewer.evaluate(() => (globalThis as unknown as { plenary: Probe }).plenary.broadcastState());
        return now.frames > watching.frames + 90 ? now : undefined;
      }, 30_000);
      expect(played.currentTime).toBeGreaterThan(watching.currentTime);
      expect({ fatalErrors: played.fatalErrors, last: played.lastFatalError }).toEqual({ fatalErrors: 0, last: undefined });
    } finally {
      await viewer.close();
      await edge.stop();
    }
    const presider = await ControlClient.connect(other.url, { conferenceId: 'relay', hostSecret: created.hostSecret });
    try {
      expect(presider.state.floor.holder).toBe('sv-1');
    } finally {
      presider.close();
    }
  }, 120_000);
});

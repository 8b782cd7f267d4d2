import type { Plenary } from '../app/plenary';
import { ControlClient } from '../test/control-client';
import { createTestConference, eventually, startTestPlenary, threeVenues, tokenOf } from '../test/harness';
import { TestRedis } from '../test/redis-server';

describe('Redis killed and restarted under a live conference', () => {
  let redis: TestRedis;
  let plenary: Plenary;

  beforeAll(async () => {
    redis = await TestRedis.create();
    plenary = await startTestPlenary({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await plenary?.close();
    await redis?.close();
  });

  it('loses no acknowledged command, refuses commands while it is down with UNAVAILABLE, and works again after', async () => {
    const created = await createTestConference(plenary.url, threeVenues('durable'));
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'durable', hostSecret: created.hostSecret });
    const jilin = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[0]!.url) });
    try {
      // 16 commands, each acknowledged: the last version acknowledged is what must survive. Eight per
      // socket, and the one sent while Redis is down, stay within a socket's burst of 20 commands
      // however fast this machine sends them (more was RATE_LIMITED on a fast one).
      let acked = 0;
      for (let i = 0; i < 8; i++) {
        const muted = await presider.command({ type: 'setMuted', venueId: 'sv-2', muted: i % 2 === 0 });
        const request = await jilin.command(i % 2 === 0 ? { type: 'requestFloor', venueId: 'sv-1' } : { type: 'withdrawRequest', venueId: 'sv-1' });
        for (const answer of [muted, request]) {
          if (!answer.ok) throw new Error(answer.error.message);
          acked = Math.max(acked, answer.data.version);
        }
      }
      const before = await plenary.conferences.get('durable');
      expect(before?.version).toBe(acked);

      await redis.kill();
      // While Redis is down nothing is acknowledged as done.
      const during = await presider.command({ type: 'giveFloor', venueId: 'sv-1' });
      expect(during).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });

      await redis.start();
      // Every acknowledged command is there: the same state, version for version.
      const after = await eventually(() => plenary.conferences.get('durable').catch(() => undefined), 20_000);
      expect(after.version).toBe(acked);
      expect(after).toEqual(before);
      // And the conference goes on: tried every quarter second (under the command rate of 10/s).
      let answer = await presider.command({ type: 'giveFloor', venueId: 'sv-1' });
      for (let tries = 0; !answer.ok && tries < 80; tries++) {
        expect(answer).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
        await new Promise((resolve) => setTimeout(resolve, 250));
        answer = await presider.command({ type: 'giveFloor', venueId: 'sv-1' });
      }
      expect(answer).toMatchObject({ ok: true });
    } finally {
      presider.close();
      jilin.close();
    }
  }, 90_000);
});

describe('a server stopped while Redis is away', () => {
  it('stops without waiting out the reconnection attempts, and nothing fails unhandled', async () => {
    const redis = await TestRedis.create();
    const plenary = await startTestPlenary({ REDIS_URL: redis.url });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await redis.kill();
      // Each connection used to wait for QUIT through every reconnection attempt ioredis allows a
      // command (about 10 s), then fail it unhandled (MaxRetriesPerRequestError, twice).
      await plenary.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await redis.close();
    }
  });
});

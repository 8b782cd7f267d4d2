import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import { ErrorCode } from '@plenary/shared';
import type { Plenary } from '../app/plenary';
import { ControlClient, rawEmit } from '../test/control-client';
import { TEST_ADMIN_KEY, createTestConference, startTestPlenary, threeVenues, tokenOf, type CreatedConference } from '../test/harness';

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function generator(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EVENTS = [
  'command', 'sync', 'joinLink', 'media:capabilities', 'media:createTransport', 'media:connectTransport', 'media:produce',
  'media:consume', 'media:resume', 'media:stats', 'media:destinations', 'media:restartIce', 'media:closeConsumer', 'nonsense', '__proto__', 'constructor', 'toString',
];
const COMMAND_TYPES = ['giveFloor', 'revokeFloor', 'setMuted', 'rotateLink', 'endConference', 'addSubVenue', 'advanceAgenda', 'requestFloor', 'setSelfMuted', 'addDestination', 'removeDestination', 'drop-tables', ''];

/** Junk of every JSON shape, with the strings attackers like; never a fuzzing venue's own id (so nothing can succeed). */
function junk(r: () => number, depth = 0): unknown {
  const strings = ['', 'sv-9', 'main', '../../etc/passwd', '<script>alert(1)</script>', '\u0000', 'x'.repeat(300), randomUUID(), '%2e%2e%2f', '{"$gt":""}'];
  switch (Math.floor(r() * (depth > 2 ? 6 : 9))) {
    case 0: return null;
    case 1: return Math.floor(r() * 2 ** 53) * (r() < 0.5 ? -1 : 1);
    case 2: return r() < 0.5;
    case 3: return strings[Math.floor(r() * strings.length)];
    case 4: return r() * 1e308;
    case 5: return randomUUID();
    case 6: return Array.from({ length: Math.floor(r() * 5) }, () => junk(r, depth + 1));
    case 7: return Object.fromEntries(['type', 'venueId', 'muted', 'id', 'transportId', '__proto__', 'constructor', 'target', 'rtpParameters'].filter(() => r() < 0.4).map((k) => [k, junk(r, depth + 1)]));
    default: return { id: r() < 0.5 ? randomUUID() : junk(r, depth + 1), command: { type: COMMAND_TYPES[Math.floor(r() * COMMAND_TYPES.length)], venueId: junk(r, depth + 1), muted: junk(r, depth + 1) } };
  }
}

const CODES = new Set<string>(Object.values(ErrorCode));

describe('fuzzing the control channel and the HTTP surface', () => {
  let plenary: Plenary;
  let created: CreatedConference;

  beforeAll(async () => {
    plenary = await startTestPlenary();
    created = await createTestConference(plenary.url, threeVenues('fuzz'));
  });
  afterAll(() => plenary.close());

  it('answers 10,000 malformed, out-of-order and forbidden messages with stable codes, and changes nothing', async () => {
    // A steady socket per venue keeps presence still while fuzzing sockets come and go.
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'fuzz', hostSecret: created.hostSecret });
    const steady = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[0]!.url) });
    // Eight fuzzing sockets over the three links (a link holds at most four sockets).
    const fuzzers = await Promise.all([0, 0, 0, 1, 1, 1, 2, 2].map((i) => ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[i]!.url) })));
    const before = await plenary.conferences.get('fuzz');
    const r = generator(20261126);
    const codes = new Map<string, number>();
    let answered = 0;
    try {
      for (let batch = 0; batch < 100; batch++) {
        await Promise.all(
          Array.from({ length: 100 }, async (_, i) => {
            const client = fuzzers[(batch * 100 + i) % fuzzers.length] as ControlClient;
            const event = EVENTS[Math.floor(r() * EVENTS.length)] as string;
            const args = Array.from({ length: Math.floor(r() * 3) }, () => junk(r));
            const answer = (await rawEmit(client, event, ...args)) as { ok: boolean; error?: { code: string } };
            answered++;
            const code = answer.ok ? 'ok' : (answer.error?.code ?? 'no code');
            codes.set(code, (codes.get(code) ?? 0) + 1);
          }),
        );
      }
      expect(answered).toBe(10_000);
      // Every refusal has a stable code, and none is an internal error.
      for (const code of codes.keys()) expect(code === 'ok' || CODES.has(code)).toBe(true);
      expect(codes.get('INTERNAL')).toBeUndefined();
      expect(codes.get('INVALID')).toBeGreaterThan(1000);

      // Oversized messages: the transport drops the socket; the server stays up.
      const big = io(plenary.url, { auth: { token: tokenOf(created.joinLinks[2]!.url) }, transports: ['websocket'], reconnection: false, forceNew: true });
      await new Promise((resolve) => big.once('connect', () => resolve(undefined)));
      const dropped = new Promise((resolve) => big.once('disconnect', resolve));
      big.emit('command', { id: 'x'.repeat(70_000) }, () => undefined);
      await dropped;

      // Nothing changed: the same state (what succeeded did nothing, e.g. reading capabilities),
      // and the channel still works for an honest command.
      const after = await plenary.conferences.get('fuzz');
      expect(after?.version).toBe(before?.version);
      expect(after).toEqual(before);
      expect(await steady.command({ type: 'requestFloor', venueId: 'sv-1' })).toMatchObject({ ok: true });
      expect(await presider.command({ type: 'giveFloor', venueId: 'sv-1' })).toMatchObject({ ok: true });
    } finally {
      for (const client of [presider, steady, ...fuzzers]) client.close();
    }
  }, 120_000);

  it('answers 1,000 hostile HTTP requests with 4xx and a stable code, never a crash or a file outside its folders', async () => {
    const r = generator(7);
    const paths = [
      '/hls/fuzz/../../../etc/passwd', '/hls/..%2f..%2fpackage.json', '/hls/fuzz/360p/..%2f..%2f..%2fREADME.md', '/hls/fuzz/%00.m3u8',
      '/hls/FUZZ/master.m3u8', '/hls/fuzz/360p/part-99999999-0.m4s', '/hls/fuzz/360p/index.m3u8?_HLS_msn=abc', '/hls/fuzz/360p/index.m3u8?_HLS_msn=99999999999&_HLS_part=-1',
      '/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/%2e%2e/server/package.json', '/api/conferences/../../etc/passwd/public',
      '/api/conferences/fuzz/public/<script>', '/api/conferences/%00/public', '/api/nothing', '/api/conferences/fuzz/venues/sv-1/link',
    ];
    const bodies = ['{', '[]', 'null', '{"title": 5}', JSON.stringify({ title: 'x'.repeat(100), subVenues: 'many' }), 'a'.repeat(2_000_000)];
    const seen = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const post = r() < 0.4;
      const path = post ? (r() < 0.5 ? '/api/conferences' : '/api/conferences/fuzz/viewers') : (paths[Math.floor(r() * paths.length)] as string);
      const headers: Record<string, string> = { 'content-type': r() < 0.8 ? 'application/json' : 'text/plain' };
      if (r() < 0.3) headers.authorization = r() < 0.5 ? 'Bearer wrong-key-wrong-key' : `Bearer ${TEST_ADMIN_KEY}x`;
      const res = await fetch(`${plenary.url}${path}`, { method: post ? 'POST' : 'GET', headers, ...(post ? { body: bodies[Math.floor(r() * bodies.length)] } : {}) });
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      const text = await res.text();
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(text).not.toContain('root:x:0:0');
      expect(text).not.toContain('"name": "plenary"');
      expect(CODES.has((JSON.parse(text) as { error: { code: string } }).error.code)).toBe(true);
    }
    expect([...seen.keys()].every((status) => status >= 400 && status < 500)).toBe(true);
    expect((await fetch(`${plenary.url}/healthz`)).status).toBe(200);
  }, 120_000);
});

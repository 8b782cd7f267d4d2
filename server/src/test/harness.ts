import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig, type Config } from '../app/config';
import { startPlenary, type Plenary } from '../app/plenary';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';

/** A config for a test server: loopback only, free ports, one worker. */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    RTC_PORT: '0',
    MEDIASOUP_WORKERS: '1',
    ANNOUNCED_IP: '127.0.0.1',
    PLENARY_ADMIN_KEY: TEST_ADMIN_KEY,
    // Encoding a ladder costs a core: only the tests that look at the broadcast turn it on.
    BROADCAST_LADDER: 'off',
    // Simulated venues cost GStreamer processes: only the tests that need them ask for them.
    DEMO_SIMULATED_VENUES: '0',
    // Every test connects from 127.0.0.1, hundreds of times a second in places.
    JOIN_RATE_PER_ADDRESS: '10000',
    // The tests' RTMP servers listen on loopback.
    RESTREAM_PRIVATE: 'allow',
    ...overrides,
  });
}

/** Starts a real Plenary for a test, recording into a temporary folder; the caller closes it (which removes the folder). */
export async function startTestPlenary(overrides: NodeJS.ProcessEnv = {}, options: { demo?: boolean } = {}): Promise<Plenary> {
  const archive = await mkdtemp(join(tmpdir(), 'plenary-test-archive-'));
  const plenary = await startPlenary(testConfig({ ARCHIVE_DIR: archive, ...overrides }), pino({ level: process.env.LOG_LEVEL ?? 'silent' }), options);
  const close = plenary.close.bind(plenary);
  return Object.assign(plenary, { close: async () => {
    await close();
    await rm(archive, { recursive: true, force: true });
  } });
}

/**
 * Resolves with the first value for which check returns something, polling every 20 ms. `seen`
 * says what was there instead, in the error when the time is up.
 */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, seen?: () => string | Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${seen ? `: ${await seen()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The answer of POST /api/conferences. */
export interface CreatedConference {
  conference: { id: string };
  hostSecret: string;
  hostUrl: string;
  joinLinks: { venueId: string; name: string; url: string; expiresAt: string }[];
  watchUrl: string;
}

/** Creates a conference through the admin API, as an organiser would. */
export async function createTestConference(baseUrl: string, body: Record<string, unknown>): Promise<CreatedConference> {
  const res = await fetch(`${baseUrl}/api/conferences`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { ok: boolean; data: CreatedConference; error?: unknown };
  if (res.status !== 201 || !answer.ok) throw new Error(`create failed: ${res.status} ${JSON.stringify(answer.error)}`);
  return answer.data;
}

/** The token at the end of a join link. */
export const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

/** A venue's current join link's token, minted through the admin API (`init` adds e.g. a TLS dispatcher). */
export async function joinToken(baseUrl: string, conferenceId: string, venueId: string, init: object = {}): Promise<string> {
  const res = await fetch(`${baseUrl}/api/conferences/${conferenceId}/venues/${venueId}/link`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
    body: '{}',
    ...init,
  } as RequestInit);
  const answer = (await res.json()) as { ok: boolean; data: { url: string }; error?: unknown };
  if (!answer.ok) throw new Error(`join link failed: ${res.status} ${JSON.stringify(answer.error)}`);
  return tokenOf(answer.data.url);
}

/** The standard test conference: a main venue and three sub-venues with a short agenda. */
export const threeVenues = (id: string) => ({
  id,
  title: 'Provincial Conference',
  mainVenueName: 'Changchun',
  subVenues: [{ name: 'Jilin City' }, { name: 'Siping' }, { name: 'Yanji' }],
  agenda: [
    { title: 'Opening', speaker: 'main', plannedMinutes: 5 },
    { title: 'Siping reports', speaker: 1, plannedMinutes: 10 },
  ],
});

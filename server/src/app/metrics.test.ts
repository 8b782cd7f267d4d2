import type { Plenary } from './plenary';
import { ControlClient } from '../test/control-client';
import { TEST_ADMIN_KEY, createTestConference, eventually, startTestPlenary, threeVenues, tokenOf } from '../test/harness';

/** One sample's value from the Prometheus text format, or undefined when absent. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('Prometheus metrics', () => {
  let plenary: Plenary;
  const scrape = async () => (await fetch(`${plenary.url}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).text();

  beforeAll(async () => {
    plenary = await startTestPlenary({ DEMO_SIMULATED_VENUES: '2', BROADCAST_LADDER: '240p' }, { demo: true });
  });
  afterAll(() => plenary.close());

  it('are for the operators of the service only', async () => {
    const res = await fetch(`${plenary.url}/metrics`);
    expect(res.status).toBe(401);
  });

  it('count floor changes, program switches with their latency, sockets, refusals, parts and encoder restarts', async () => {
    const created = await createTestConference(plenary.url, threeVenues('metrics'));
    const hostSecret = new URL(plenary.demo?.hostUrl ?? '').hash.replace('#key=', '');
    const presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret });
    const operator = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[0]!.url) });
    try {
      const before = await scrape();
      expect(sample(before, 'plenary_sockets{role="presider"}')).toBe(1);
      expect(sample(before, 'plenary_sockets{role="operator"}')).toBe(1);
      expect(sample(before, 'plenary_venues_connected')).toBe(2);

      expect(await presider.command({ type: 'giveFloor', venueId: 'sv-1' })).toMatchObject({ ok: true });
      // An operator trying the presider's job is refused, and counted.
      expect(await operator.command({ type: 'giveFloor', venueId: 'sv-1' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect((await fetch(`${plenary.url}/hls/demo/nothing.m3u8`)).status).toBe(404);

      const after = await eventually(async () => {
        const text = await scrape();
        return (sample(text, 'plenary_switch_latency_seconds_count') ?? 0) >= 1 ? text : undefined;
      }, 20_000);
      expect(sample(after, 'plenary_floor_changes_total')).toBe((sample(before, 'plenary_floor_changes_total') ?? 0) + 1);
      expect(sample(after, 'plenary_program_switches_total{kind="video"}')).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'plenary_switch_latency_seconds_sum')).toBeGreaterThan(0);
      expect(sample(after, 'plenary_errors_total{code="FORBIDDEN",surface="socket"}')).toBe(1);
      expect(sample(after, 'plenary_errors_total{code="NOT_FOUND",surface="http"}')).toBe(1);
      expect(sample(after, 'plenary_process_resident_memory_bytes')).toBeGreaterThan(0);

      // The broadcast publishes parts; a dead encoder is restarted and counted.
      const parts = await eventually(async () => sample(await scrape(), 'plenary_hls_parts_total{rendition="240p"}'), 30_000);
      expect(parts).toBeGreaterThan(0);
      const broadcast = (await plenary.media.room('demo')).broadcast;
      process.kill(broadcast?.encoderPid as number, 'SIGKILL');
      await eventually(async () => sample(await scrape(), 'plenary_egress_restarts_total') === 1, 10_000);
    } finally {
      presider.close();
      operator.close();
    }
  });
});

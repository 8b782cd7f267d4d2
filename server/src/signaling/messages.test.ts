import { MESSAGES, type MessageName } from '@plenary/shared';
import type { Plenary } from '../app/plenary';
import { ControlClient, rawEmit } from '../test/control-client';
import { createTestConference, startTestPlenary, threeVenues } from '../test/harness';

describe('the message table', () => {
  let plenary: Plenary;
  let presider: ControlClient;

  beforeAll(async () => {
    plenary = await startTestPlenary();
    const created = await createTestConference(plenary.url, threeVenues('table'));
    presider = await ControlClient.connect(plenary.url, { conferenceId: 'table', hostSecret: created.hostSecret });
  });

  afterAll(async () => {
    presider.close();
    await plenary.close();
  });

  it('has a handler for every message it lists, which answers a malformed request with INVALID', async () => {
    for (const name of Object.keys(MESSAGES) as MessageName[]) {
      const answer = (await (MESSAGES[name].request ? rawEmit(presider, name, { nonsense: true }) : rawEmit(presider, name))) as { ok: boolean; error?: { code: string } };
      // Answered at all (a message without a handler would never be), and a request it takes is checked.
      expect(typeof answer.ok).toBe('boolean');
      if (MESSAGES[name].request) expect({ name, answer }).toMatchObject({ name, answer: { ok: false, error: { code: 'INVALID' } } });
    }
  });
});

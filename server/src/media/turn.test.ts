import { createHmac } from 'node:crypto';
import { turnCredentials } from './turn';

describe('short-lived TURN credentials (the TURN REST API scheme coturn checks)', () => {
  const turn = { urls: ['turn:turn.example.org:3478?transport=tcp'], secret: 'a-long-enough-turn-secret', ttlSeconds: 600 };

  it('name the venue and when they expire, signed with the shared secret', () => {
    const now = Date.UTC(2026, 11, 3, 9, 0, 0);
    const [server] = turnCredentials(turn, 'demo', 'sv-2', now);
    expect(server?.urls).toEqual(turn.urls);
    expect(server?.username).toBe(`${now / 1000 + 600}:demo.sv-2`);
    // What the TURN server computes from the username it is given: the credential must match it.
    expect(server?.credential).toBe(createHmac('sha1', turn.secret).update(server?.username ?? '').digest('base64'));
  });

  it('are not the same for another venue, another moment or another secret', () => {
    const now = Date.now();
    const credential = (t = turn, venue = 'sv-2', at = now) => turnCredentials(t, 'demo', venue, at)[0]?.credential;
    expect(new Set([credential(), credential(turn, 'sv-3'), credential(turn, 'sv-2', now + 5000), credential({ ...turn, secret: 'another-long-turn-secret' })]).size).toBe(4);
    // The secret itself never goes out.
    expect(JSON.stringify(turnCredentials(turn, 'demo', 'sv-2', now))).not.toContain(turn.secret);
  });
});

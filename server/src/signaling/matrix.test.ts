import type { Command } from '@plenary/shared';
import type { Plenary } from '../app/plenary';
import { ControlClient, rawEmit } from '../test/control-client';
import { createTestConference, startTestPlenary, threeVenues, tokenOf } from '../test/harness';

type Role = 'presider' | 'own operator' | 'other operator' | 'interpreter';

/**
 * Every command, with what must be true first for it to succeed (done by whoever may do it),
 * and the roles allowed to send it. Targets are sv-1 (Jilin City) where a venue is meant: its
 * own operator is Jilin's link, the other operator is Siping's link trying to act on Jilin, the
 * interpreter is the English channel's interpreter link (it commands nothing).
 * Links that are expired, tampered with or missing never get a socket (access.test.ts).
 */
const COMMANDS: { command: Command; prepare?: (c: { presider: ControlClient; own: ControlClient }) => Promise<unknown>; allowed: Role[] }[] = [
  { command: { type: 'addSubVenue', name: 'Baishan' }, allowed: ['presider'] },
  { command: { type: 'renameVenue', venueId: 'sv-1', name: 'Jilin' }, allowed: ['presider'] },
  { command: { type: 'removeSubVenue', venueId: 'sv-3' }, allowed: ['presider'] },
  { command: { type: 'requestFloor', venueId: 'sv-1' }, allowed: ['own operator'] },
  { command: { type: 'withdrawRequest', venueId: 'sv-1' }, prepare: ({ own }) => own.command({ type: 'requestFloor', venueId: 'sv-1' }), allowed: ['own operator'] },
  { command: { type: 'declineRequest', venueId: 'sv-1' }, prepare: ({ own }) => own.command({ type: 'requestFloor', venueId: 'sv-1' }), allowed: ['presider'] },
  { command: { type: 'giveFloor', venueId: 'sv-1' }, allowed: ['presider'] },
  { command: { type: 'revokeFloor' }, prepare: ({ presider }) => presider.command({ type: 'giveFloor', venueId: 'sv-1' }), allowed: ['presider'] },
  { command: { type: 'setMuted', venueId: 'sv-1', muted: true }, allowed: ['presider'] },
  { command: { type: 'setSelfMuted', venueId: 'sv-1', muted: true }, allowed: ['own operator'] },
  // The presider's own microphone is the main venue's.
  { command: { type: 'setSelfMuted', venueId: 'main', muted: true }, allowed: ['presider'] },
  { command: { type: 'setMuteOthersOnGive', enabled: true }, allowed: ['presider'] },
  { command: { type: 'advanceAgenda', giveFloor: false }, allowed: ['presider'] },
  { command: { type: 'rotateLink', venueId: 'sv-3' }, allowed: ['presider'] },
  { command: { type: 'addCaptionChannel', language: 'ko', name: '한국어' }, allowed: ['presider'] },
  { command: { type: 'removeCaptionChannel', channelId: 'cc-ko' }, prepare: ({ presider }) => presider.command({ type: 'addCaptionChannel', language: 'ko', name: '한국어' }), allowed: ['presider'] },
  { command: { type: 'addInterpretationChannel', language: 'ko', name: '한국어' }, allowed: ['presider'] },
  { command: { type: 'removeInterpretationChannel', channelId: 'in-en' }, allowed: ['presider'] },
  { command: { type: 'setSignLanguage', venueId: 'sv-1' }, allowed: ['presider'] },
  { command: { type: 'setSignLanguage', venueId: null }, prepare: ({ presider }) => presider.command({ type: 'setSignLanguage', venueId: 'sv-1' }), allowed: ['presider'] },
  // A stream key is the presider's to give, and to take back.
  { command: { type: 'addDestination', url: 'rtmp://127.0.0.1:9/live/matrix-key' }, allowed: ['presider'] },
  { command: { type: 'removeDestination', destinationId: 'rs-1' }, prepare: ({ presider }) => presider.command({ type: 'addDestination', url: 'rtmp://127.0.0.1:9/live/matrix-key' }), allowed: ['presider'] },
  { command: { type: 'endConference' }, allowed: ['presider'] },
];
const ROLES: Role[] = ['presider', 'own operator', 'other operator', 'interpreter'];

describe('the authorisation matrix: every command by every role', () => {
  let plenary: Plenary;
  let n = 0;

  beforeAll(async () => {
    plenary = await startTestPlenary();
  });
  afterAll(() => plenary.close());

  /** A fresh conference with the presider, Jilin's and Siping's operators connected. */
  const session = async () => {
    const id = `matrix-${++n}`;
    const created = await createTestConference(plenary.url, threeVenues(id));
    const presider = await ControlClient.connect(plenary.url, { conferenceId: id, hostSecret: created.hostSecret });
    const own = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[0]!.url) });
    const other = await ControlClient.connect(plenary.url, { token: tokenOf(created.joinLinks[1]!.url) });
    await presider.command({ type: 'addInterpretationChannel', language: 'en', name: 'English' });
    const link = (await rawEmit(presider, 'interpreterLink', { channelId: 'in-en' })) as { data: { url: string } };
    const interpreter = await ControlClient.connect(plenary.url, { token: tokenOf(link.data.url) });
    return { id, presider, own, other, interpreter, close: () => [presider, own, other, interpreter].forEach((c) => c.close()) };
  };

  const cells = COMMANDS.flatMap(({ command, prepare, allowed }) => ROLES.map((role) => [command.type, role, command, prepare, allowed.includes(role)] as const));

  it.each(cells)('%s by the %s', async (_type, role, command, prepare, allowed) => {
    const s = await session();
    try {
      await prepare?.(s);
      const before = (await plenary.conferences.get(s.id))?.version as number;
      const sender = { presider: s.presider, 'own operator': s.own, 'other operator': s.other, interpreter: s.interpreter }[role];
      const answer = await sender.command(command);
      const after = (await plenary.conferences.get(s.id))?.version as number;
      if (allowed) {
        expect(answer).toMatchObject({ ok: true });
        expect(after).toBeGreaterThan(before);
      } else {
        expect(answer).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
        expect(after).toBe(before);
      }
    } finally {
      s.close();
    }
  });

  it('gives join links and media health to the presider only, and another venue\'s camera to nobody but the presider', async () => {
    const s = await session();
    try {
      expect(await rawEmit(s.presider, 'joinLink', { venueId: 'sv-1' })).toMatchObject({ ok: true });
      for (const operator of [s.own, s.other, s.interpreter]) {
        expect(await rawEmit(operator, 'joinLink', { venueId: 'sv-1' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
        expect(await rawEmit(operator, 'interpreterLink', { channelId: 'in-en' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
        expect(await rawEmit(operator, 'media:stats')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
        expect(await rawEmit(operator, 'media:destinations')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      }
      expect(await rawEmit(s.presider, 'media:stats')).toMatchObject({ ok: true });
      expect(await rawEmit(s.presider, 'media:destinations')).toMatchObject({ ok: true, data: [] });
      const transport = (await rawEmit(s.other, 'media:createTransport')) as { data: { id: string } };
      const caps = (await rawEmit(s.other, 'media:capabilities')) as { data: unknown };
      expect(await rawEmit(s.other, 'media:consume', { transportId: transport.data.id, target: { venueId: 'sv-1', kind: 'video' }, rtpCapabilities: caps.data })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    } finally {
      s.close();
    }
  });
});

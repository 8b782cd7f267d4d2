import { createHmac } from 'node:crypto';
import { PRESIDER, SYSTEM, createConferenceSchema, type JoinLink } from '@plenary/shared';
import type { Rgb } from '@plenary/sfu';
import type { MediaHost } from '../media/host';
import { hashHostSecret } from '../auth/links';
import type { MintJoinLink } from './joinlinks';
import type { ConferenceService } from './service';

export const DEMO_CONFERENCE_ID = 'demo';

/** What `npm start` prints for the demo conference. */
export interface DemoLinks {
  hostUrl: string;
  joinLinks: (JoinLink & { name: string })[];
  watchUrl: string;
}

/** Distinct, saturated backgrounds for simulated venues: main venue first. */
export const SIMULATED_COLOURS: Rgb[] = [
  { r: 210, g: 210, b: 40 },
  { r: 210, g: 40, b: 40 },
  { r: 40, g: 170, b: 40 },
  { r: 40, g: 40, b: 210 },
  { r: 200, g: 40, b: 200 },
  { r: 40, g: 190, b: 190 },
];

/**
 * A tone of its own for each simulated venue, main venue first, so that who is heard can be told
 * apart by ear or by a test's analyser (none near the interpreter's 660 Hz or another's harmonics).
 */
export const SIMULATED_TONES_HZ = [440, 523, 587, 698, 784, 932, 1046, 1175, 1319, 1480, 1568];

const SUB_VENUE_NAMES = ['Jilin City', 'Siping', 'Yanji', 'Tonghua', 'Baishan', 'Songyuan', 'Baicheng', 'Liaoyuan', 'Meihekou', 'Gongzhuling'];

const demoInput = createConferenceSchema.parse({
  title: 'Provincial Work Conference (demo)',
  mainVenueName: 'Changchun main venue',
  subVenues: SUB_VENUE_NAMES.slice(0, 3).map((name) => ({ name })),
  agenda: [
    { title: 'Opening address', speaker: 'main', plannedMinutes: 10 },
    { title: 'Report from Jilin City', speaker: 0, plannedMinutes: 15 },
    { title: 'Report from Siping', speaker: 1, plannedMinutes: 15 },
    { title: 'Report from Yanji', speaker: 2, plannedMinutes: 15 },
    { title: 'Closing remarks', speaker: 'main', plannedMinutes: 5 },
  ],
});

/** The demo's host secret, derived from the admin key so the printed presider link stays the same. */
export function demoHostSecret(adminKey: string): string {
  return createHmac('sha256', adminKey).update('plenary demo host secret').digest('base64url').slice(0, 32);
}

/** Creates the demo conference unless it exists (Redis keeps it across restarts). */
export async function ensureDemoConference(conferences: ConferenceService, adminKey: string): Promise<void> {
  if (await conferences.get(DEMO_CONFERENCE_ID)) return;
  const secret = demoHostSecret(adminKey);
  try {
    await conferences.create(DEMO_CONFERENCE_ID, demoInput, { secret, hash: hashHostSecret(secret) });
  } catch (error) {
    // Another server process on the same Redis created it first.
    if (!(await conferences.get(DEMO_CONFERENCE_ID))) throw error;
  }
}

/** The demo's links as `npm start` prints them: presider console, every sub-venue's join link, watch page. */
export async function demoLinks(conferences: ConferenceService, mintJoinLink: MintJoinLink, adminKey: string, publicUrl: string): Promise<DemoLinks> {
  const state = await conferences.get(DEMO_CONFERENCE_ID);
  const subVenues = state ? state.venueOrder.filter((id) => state.venues[id]?.kind === 'sub') : [];
  const joinLinks = await Promise.all(
    subVenues.map(async (id) => ({ name: state?.venues[id]?.name ?? id, ...(await mintJoinLink(DEMO_CONFERENCE_ID, id)) })),
  );
  return {
    hostUrl: `${publicUrl}/host/${DEMO_CONFERENCE_ID}#key=${demoHostSecret(adminKey)}`,
    joinLinks,
    watchUrl: `${publicUrl}/watch/${DEMO_CONFERENCE_ID}`,
  };
}

/** The demo's simulated interpreter: a tone of its own (the venues play SIMULATED_TONES_HZ) on an English channel. */
export const DEMO_INTERPRETER_HZ = 660;
const DEMO_INTERPRETATION = { id: 'in-en', language: 'en', name: 'English' } as const;

/**
 * Publishes simulated venues into a conference: the main venue and the first
 * `count` sub-venues (sub-venues are added when the conference has fewer),
 * marks them present, and puts the floor holder on air; with `interpreter`, an
 * English interpretation channel (added if missing) and its simulated interpreter.
 */
export async function simulateVenues(conferences: ConferenceService, host: MediaHost, conferenceId: string, count: number, options: { interpreter?: boolean } = {}): Promise<void> {
  let state = await conferences.get(conferenceId);
  if (!state) return;
  if (options.interpreter && !state.interpretation?.[DEMO_INTERPRETATION.id]) {
    const { language, name } = DEMO_INTERPRETATION;
    const answer = await conferences.execute(conferenceId, PRESIDER, { type: 'addInterpretationChannel', language, name });
    // Another server process of the same demo added it first: fine.
    if (!answer.ok && answer.error.code !== 'CONFLICT') throw new Error(`the demo interpretation channel was not added: ${answer.error.message}`);
  }
  for (let n = state.venueOrder.length - 1; n < count; n++) {
    await conferences.execute(conferenceId, { role: 'presider' }, { type: 'addSubVenue', name: SUB_VENUE_NAMES[n] ?? `Venue ${n + 1}` });
  }
  state = await conferences.get(conferenceId);
  if (!state) return;
  const venues = state.venueOrder.slice(0, count + 1).flatMap((venueId, i) => {
    const venue = state?.venues[venueId];
    return venue ? [{ venueId, name: venue.name, colour: SIMULATED_COLOURS[i % SIMULATED_COLOURS.length] as Rgb, toneHz: SIMULATED_TONES_HZ[i % SIMULATED_TONES_HZ.length] as number }] : [];
  });
  const interpreter = { venueId: DEMO_INTERPRETATION.id, name: DEMO_INTERPRETATION.name, colour: SIMULATED_COLOURS[0] as Rgb, toneHz: DEMO_INTERPRETER_HZ };
  // Published by the process hosting the media (this one, unless another already does), and saved
  // for whoever hosts it next; the floor holder's cuts in once it publishes.
  await host.addSimulatedVenues(conferenceId, options.interpreter ? [...venues, interpreter] : venues);
  for (const { venueId } of venues) await conferences.execute(conferenceId, SYSTEM, { type: 'join', venueId });
}

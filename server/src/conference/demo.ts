import { createHmac } from 'node:crypto';
import { createConferenceSchema, type JoinLink } from '@plenary/shared';
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

const demoInput = createConferenceSchema.parse({
  title: 'Provincial Work Conference (demo)',
  mainVenueName: 'Changchun main venue',
  subVenues: [{ name: 'Jilin City' }, { name: 'Siping' }, { name: 'Yanji' }],
  agenda: [
    { title: 'Opening address', speaker: 'main', plannedMinutes: 10 },
    { title: 'Report from Jilin City', speaker: 0, plannedMinutes: 15 },
    { title: 'Report from Siping', speaker: 1, plannedMinutes: 15 },
    { title: 'Report from Yanji', speaker: 2, plannedMinutes: 15 },
    { title: 'Closing remarks', speaker: 'main', plannedMinutes: 5 },
  ],
});

/**
 * Creates the demo conference unless it exists (Redis keeps it across restarts).
 * Its host secret is derived from the admin key, so the printed presider link
 * stays the same for as long as the admin key does.
 */
export async function ensureDemoConference(conferences: ConferenceService, mintJoinLink: MintJoinLink, adminKey: string, publicUrl: string): Promise<DemoLinks> {
  const secret = createHmac('sha256', adminKey).update('plenary demo host secret').digest('base64url').slice(0, 32);
  let state = await conferences.get(DEMO_CONFERENCE_ID);
  if (!state) {
    try {
      state = (await conferences.create(DEMO_CONFERENCE_ID, demoInput, { secret, hash: hashHostSecret(secret) })).state;
    } catch (error) {
      // Another server process on the same Redis created it first.
      state = await conferences.get(DEMO_CONFERENCE_ID);
      if (!state) throw error;
    }
  }
  const joinLinks = await Promise.all(
    state.venueOrder
      .filter((id) => state.venues[id]?.kind === 'sub')
      .map(async (id) => ({ name: state.venues[id]?.name ?? id, ...(await mintJoinLink(DEMO_CONFERENCE_ID, id)) })),
  );
  return {
    hostUrl: `${publicUrl}/host/${DEMO_CONFERENCE_ID}#key=${secret}`,
    joinLinks,
    watchUrl: `${publicUrl}/watch/${DEMO_CONFERENCE_ID}`,
  };
}

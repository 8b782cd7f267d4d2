import { SIMULATED_COLOURS, SIMULATED_TONES_HZ } from '../conference/demo';
import type { Rgb } from './pictures';

/** A venue of a rehearsal: who it is, what its camera shows and what its microphone plays. */
export interface RehearsalVenue {
  venueId: string;
  name: string;
  colour: Rgb;
  hz: number;
}

/** The demo's main venue, simulated (its colour and tone). */
export const DEMO_MAIN: RehearsalVenue = { venueId: 'main', name: 'Changchun main venue', colour: SIMULATED_COLOURS[0] as Rgb, hz: SIMULATED_TONES_HZ[0] as number };
/** The demo's first sub-venue, Jilin City, simulated. */
export const DEMO_JILIN: RehearsalVenue = { venueId: 'sv-1', name: 'Jilin City', colour: SIMULATED_COLOURS[1] as Rgb, hz: SIMULATED_TONES_HZ[1] as number };

import { z } from 'zod';

/**
 * The conference as anyone may see it: GET /api/conferences/:id/public
 * (cacheable for a second; no socket needed). The server builds it, the watch
 * and join pages read it through this schema.
 */
export const publicConferenceSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['live', 'ended']),
  /** Names for the captions and the sub-venue page (never who holds which link). */
  venues: z.array(z.object({ id: z.string(), name: z.string(), kind: z.enum(['main', 'sub']) })),
  onAir: z.object({ venueId: z.string(), name: z.string(), since: z.string() }).nullable(),
  agendaItem: z.object({ index: z.number(), title: z.string(), startedAt: z.string().nullable() }).nullable(),
  /** People watching the broadcast, counted from the watch pages' announcements. */
  viewers: z.number(),
  /** How a watch page announces itself: the share of pages that do, and how often. */
  viewerBeacon: z.object({ sample: z.number(), everySeconds: z.number() }),
  version: z.number(),
});
export type PublicConference = z.infer<typeof publicConferenceSchema>;

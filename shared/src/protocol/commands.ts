import { z } from 'zod';
import { destinationIdSchema, destinationUrlSchema } from './destinations';

/** A venue id: "main" for the main venue, "sv-<n>" for sub-venues. */
export const venueIdSchema = z.string().regex(/^(main|sv-\d{1,6})$/, 'not a venue id');
const venueName = z.string().trim().min(1, 'a name is needed').max(80, 'at most 80 characters');
/** A language as an ISO 639 code in lower case: two or three letters (zh, ko, en, yue). */
export const languageSchema = z.string().regex(/^[a-z]{2,3}$/, 'a language is an ISO 639 code of 2 or 3 lower-case letters, e.g. zh, ko, en');
export const captionChannelIdSchema = z.string().regex(/^cc-[a-z]{2,3}$/, 'not a caption channel id');
export const interpretationChannelIdSchema = z.string().regex(/^in-[a-z]{2,3}$/, 'not an interpretation channel id');
const channelName = z.string().trim().min(1, 'a name is needed').max(40, 'at most 40 characters');

/** Whether an id names an interpretation channel (its interpreter's media is kept under it). */
export function isInterpretationChannelId(id: string): boolean {
  return interpretationChannelIdSchema.safeParse(id).success;
}

/**
 * Every command a client may send on the control channel. `id` is chosen by the
 * client and makes the command idempotent: a retry with the same id gets the
 * same answer and changes nothing twice.
 */
export const commandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('addSubVenue'), name: venueName }).strict(),
  z.object({ type: z.literal('renameVenue'), venueId: venueIdSchema, name: venueName }).strict(),
  z.object({ type: z.literal('removeSubVenue'), venueId: venueIdSchema }).strict(),
  z.object({ type: z.literal('requestFloor'), venueId: venueIdSchema }).strict(),
  z.object({ type: z.literal('withdrawRequest'), venueId: venueIdSchema }).strict(),
  z.object({ type: z.literal('giveFloor'), venueId: venueIdSchema }).strict(),
  z.object({ type: z.literal('revokeFloor') }).strict(),
  z.object({ type: z.literal('declineRequest'), venueId: venueIdSchema }).strict(),
  z.object({ type: z.literal('setMuted'), venueId: venueIdSchema, muted: z.boolean() }).strict(),
  z.object({ type: z.literal('setSelfMuted'), venueId: venueIdSchema, muted: z.boolean() }).strict(),
  z.object({ type: z.literal('setMuteOthersOnGive'), enabled: z.boolean() }).strict(),
  z.object({ type: z.literal('advanceAgenda'), giveFloor: z.boolean() }).strict(),
  z.object({ type: z.literal('rotateLink'), venueId: venueIdSchema }).strict(),
  z.object({ type: z.literal('addCaptionChannel'), language: languageSchema, name: channelName }).strict(),
  z.object({ type: z.literal('removeCaptionChannel'), channelId: captionChannelIdSchema }).strict(),
  z.object({ type: z.literal('addInterpretationChannel'), language: languageSchema, name: channelName }).strict(),
  z.object({ type: z.literal('removeInterpretationChannel'), channelId: interpretationChannelIdSchema }).strict(),
  z.object({ type: z.literal('setSignLanguage'), venueId: venueIdSchema.nullable() }).strict(),
  z.object({ type: z.literal('addDestination'), url: destinationUrlSchema }).strict(),
  z.object({ type: z.literal('removeDestination'), destinationId: destinationIdSchema }).strict(),
  z.object({ type: z.literal('endConference') }).strict(),
]);

/** A command as the conference model takes it. */
export type Command = z.infer<typeof commandSchema>;
export type CommandType = Command['type'];

/** A command on the wire: the command plus its client-chosen id. */
export const commandEnvelopeSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'a command id is 8-64 characters of A-Z a-z 0-9 _ -'),
    command: commandSchema,
  })
  .strict();
export type CommandEnvelope = z.infer<typeof commandEnvelopeSchema>;

/** The agenda as given when a conference is created. */
export const agendaItemInputSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    /** Index into the sub-venues given at creation, or "main". */
    speaker: z.union([z.literal('main'), z.number().int().min(0)]),
    plannedMinutes: z.number().int().min(1).max(24 * 60),
  })
  .strict();

/** A conference id: in URLs, paths on disk and Redis keys, so nothing but these characters. */
export const CONFERENCE_ID = /^[a-z0-9][a-z0-9-]{1,39}$/;
export const conferenceIdSchema = z.string().regex(CONFERENCE_ID, 'an id is 2-40 characters of a-z 0-9 -');

/** The body of POST /api/conferences. */
export const createConferenceSchema = z
  .object({
    id: conferenceIdSchema.optional(),
    title: z.string().trim().min(1).max(200),
    mainVenueName: venueName,
    subVenues: z.array(z.object({ name: venueName }).strict()).max(200),
    agenda: z.array(agendaItemInputSchema).max(100).default([]),
    muteOthersOnGive: z.boolean().default(false),
  })
  .strict();
export type CreateConferenceInput = z.input<typeof createConferenceSchema>;

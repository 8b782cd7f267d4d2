import { z } from 'zod';
import { captionChannelIdSchema, conferenceIdSchema } from '@plenary/shared';

/**
 * A caption line as a captioner or a speech recognizer sends it: plain text on
 * one line, at most 200 characters (about two lines on a phone). Markup is not
 * refused but never read as markup: the WebVTT writer escapes it.
 */
export const captionTextSchema = z
  .string()
  .trim()
  .min(1, 'a caption line needs some text')
  .max(200, 'a caption line is at most 200 characters')
  // Control characters (line breaks among them) would end a cue or hide in it; direction
  // overrides and isolates would show it reordered.
  .refine((text) => !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text), 'a caption line is one line of plain text, without control characters');

/** A line on its way from another server process to the one hosting the broadcast. */
export const relayedCaptionSchema = z
  .object({
    conferenceId: conferenceIdSchema,
    channelId: captionChannelIdSchema,
    cue: z.object({ at: z.number().int().positive(), text: captionTextSchema }).strict(),
  })
  .strict();

import { z } from 'zod';
import { interpretationChannelIdSchema, venueIdSchema } from './commands';

/**
 * Media signalling on the control channel (WebRTC transports, produce,
 * consume). The shapes mediasoup defines (RTP parameters, DTLS parameters, RTP
 * capabilities) are checked here for structure and size; mediasoup checks
 * their meaning and its refusals come back as INVALID.
 */
const id = z.string().uuid();
const kind = z.enum(['audio', 'video']);
const object = z.record(z.string(), z.unknown());

export const connectTransportSchema = z
  .object({
    transportId: id,
    dtlsParameters: z
      .object({
        role: z.enum(['auto', 'client', 'server']).optional(),
        fingerprints: z.array(z.object({ algorithm: z.string().max(16), value: z.string().max(200) }).strict()).min(1).max(8),
      })
      .strict(),
  })
  .strict();

export const produceSchema = z
  .object({
    transportId: id,
    kind,
    rtpParameters: z
      .object({
        mid: z.string().max(32).optional(),
        codecs: z.array(object).min(1).max(16),
        headerExtensions: z.array(object).max(32).optional(),
        encodings: z.array(object).max(8).optional(),
        rtcp: object.optional(),
      })
      .strict(),
  })
  .strict();

/** What a venue may receive: the program, one venue's camera or microphone, or an interpretation channel's voice. */
export const consumeTargetSchema = z.union([
  z.object({ program: kind }).strict(),
  z.object({ venueId: venueIdSchema, kind }).strict(),
  z.object({ interpretation: interpretationChannelIdSchema }).strict(),
]);
export type ConsumeTarget = z.infer<typeof consumeTargetSchema>;

export const consumeSchema = z
  .object({
    transportId: id,
    target: consumeTargetSchema,
    rtpCapabilities: z
      .object({ codecs: z.array(object).max(64).optional(), headerExtensions: z.array(object).max(64).optional() })
      .strict(),
  })
  .strict();

export const resumeConsumerSchema = z
  .object({ consumerId: id, layer: z.number().int().min(0).max(3).optional() })
  .strict();

export const transportRequestSchema = z.object({ transportId: id }).strict();
export const consumerRequestSchema = z.object({ consumerId: id }).strict();

export type ConnectTransportRequest = z.infer<typeof connectTransportSchema>;
export type ProduceRequest = z.infer<typeof produceSchema>;
export type ConsumeRequest = z.infer<typeof consumeSchema>;
export type ResumeConsumerRequest = z.infer<typeof resumeConsumerSchema>;

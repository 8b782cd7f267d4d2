import { z } from 'zod';
import { ErrorCode, MEDIA_CALLS, MESSAGES, PlenaryError, conferenceIdSchema, interpretationChannelIdSchema, venueIdSchema, type MediaCallName, type RequestOf } from '@plenary/shared';
import type { ConferenceRoom, MediasoupTypes as types } from '@plenary/sfu';

/**
 * A venue's WebRTC signalling as one value: what the socket asked (`name`, the
 * socket.io message without its `media:` prefix, and its request), checked
 * with the message table's schemas (shared/src/protocol/messages.ts) wherever
 * it runs. The process a venue's socket reached runs it on its own room when it
 * hosts the conference's media, or relays it to the process that does; the
 * owner checks a relayed call again.
 */
export type MediaCall = { [N in MediaCallName]: { name: N; request: RequestOf<`media:${N}`> } }[MediaCallName];

/** Checks a call as it came (from a socket, or relayed as JSON): a known media call and its request's schema. */
export function parseMediaCall(call: unknown): { success: true; data: MediaCall } | { success: false; error: z.ZodError } {
  const shape = z.object({ name: z.enum(MEDIA_CALLS as [MediaCallName, ...MediaCallName[]]), request: z.unknown().optional() }).strict().safeParse(call);
  if (!shape.success) return shape;
  const schema = MESSAGES[`media:${shape.data.name}`].request;
  // Absent, not just undefined, for a call without a request: JSON drops undefined keys.
  const request = (schema ?? z.undefined()).safeParse(shape.data.request);
  if (!request.success) return request;
  return { success: true, data: { name: shape.data.name, request: request.data } as MediaCall };
}

/**
 * Who makes a media call: a socket of a venue (its id, so that closed consumers are told to
 * it), or of an interpreter, whose media is kept under its channel's id.
 */
export const callerSchema = z
  .object({
    conferenceId: conferenceIdSchema,
    venueId: z.union([venueIdSchema, interpretationChannelIdSchema]),
    role: z.enum(['presider', 'operator', 'interpreter']),
    socketId: z.string().min(1).max(64),
  })
  .strict()
  .refine((caller) => (caller.role === 'interpreter') === interpretationChannelIdSchema.safeParse(caller.venueId).success, 'an interpreter, and only an interpreter, calls as its channel');
export type Caller = z.infer<typeof callerSchema>;

/**
 * mediasoup refuses bad parameters with a TypeError or an UnsupportedError
 * (e.g. a codec the router lacks): the client's fault, said as INVALID.
 */
async function mediasoupCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof TypeError || (error instanceof Error && error.name === 'UnsupportedError')) {
      throw new PlenaryError(ErrorCode.INVALID, `Media parameters refused: ${error.message.slice(0, 200)}`);
    }
    throw error;
  }
}

/**
 * Runs a checked call on the room that hosts the conference, as the caller's
 * venue: its transports only. Operators receive the program and the main
 * venue; only the presider receives every venue and sees their health. Anyone
 * may hear an interpretation channel; an interpreter publishes its voice only.
 */
export async function runMediaCall(room: ConferenceRoom, caller: Caller, call: MediaCall, consumerClosed: (consumerId: string) => void): Promise<unknown> {
  const { venueId } = caller;
  switch (call.name) {
    case 'capabilities':
      return room.rtpCapabilities;
    case 'createTransport':
      // Owned by the socket too: when it goes, what it set up goes (the venue may stay, on another socket).
      return room.createWebRtcTransport(venueId, caller.socketId);
    case 'connectTransport':
      await mediasoupCall(() => room.connectTransport(venueId, call.request.transportId, call.request.dtlsParameters as types.DtlsParameters));
      return {};
    case 'produce': {
      const { transportId, kind, rtpParameters } = call.request;
      if (caller.role === 'interpreter' && kind !== 'audio') throw new PlenaryError(ErrorCode.FORBIDDEN, 'An interpreter publishes its voice only, no picture');
      return { id: await mediasoupCall(() => room.produce(venueId, transportId, kind, rtpParameters as unknown as types.RtpParameters)) };
    }
    case 'consume': {
      const { transportId, target, rtpCapabilities } = call.request;
      if ('venueId' in target && caller.role !== 'presider' && target.venueId !== 'main') {
        throw new PlenaryError(ErrorCode.FORBIDDEN, 'Only the presider receives the sub-venues; others receive the program and the main venue');
      }
      return mediasoupCall(() => room.consume(venueId, transportId, target, rtpCapabilities as types.RtpCapabilities, consumerClosed));
    }
    case 'stats':
      if (caller.role !== 'presider') throw new PlenaryError(ErrorCode.FORBIDDEN, "Only the presider sees every venue's media health");
      return room.stats();
    case 'destinations':
      if (caller.role !== 'presider') throw new PlenaryError(ErrorCode.FORBIDDEN, 'Only the presider sees the restream destinations');
      return room.restreamStatuses();
    case 'restartIce':
      return { iceParameters: await room.restartIce(venueId, call.request.transportId) };
    case 'closeConsumer':
      room.closeConsumer(venueId, call.request.consumerId);
      return {};
    case 'resume':
      await room.resumeConsumer(venueId, call.request.consumerId, call.request.layer);
      return {};
  }
}

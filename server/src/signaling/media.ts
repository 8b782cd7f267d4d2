import type { Socket } from 'socket.io';
import {
  ErrorCode,
  PlenaryError,
  consumeSchema,
  connectTransportSchema,
  fail,
  ok,
  produceSchema,
  transportRequestSchema,
  consumerRequestSchema,
  resumeConsumerSchema,
  type Ack,
  type Actor,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from '@plenary/shared';
import type { MediasoupTypes as types } from '@plenary/sfu';
import type { RoomOf } from '../media/reconcile';
import { invalid } from './reply';

type PlenarySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

interface MediaHandlerDeps {
  /** The conference's room, reconciled with the stored state when it is made. */
  roomOf: RoomOf;
  /** Whether the conference has ended: its media must not come back to life. */
  hasEnded: () => boolean;
  conferenceId: string;
  /** The venue this socket speaks for: all its transports belong to it. */
  venueId: string;
  actor: Actor;
  reply: <T>(ack: unknown, work: () => Promise<Ack<T>>) => void;
}

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
 * WebRTC signalling for one socket: transports, produce, consume, resume, all
 * as the socket's own venue. Operators receive the program and the main venue;
 * the presider receives every venue.
 */
export function registerMediaHandlers(socket: PlenarySocket, deps: MediaHandlerDeps): void {
  const { roomOf, conferenceId, venueId, actor } = deps;
  const room = async () => {
    if (deps.hasEnded()) throw new PlenaryError(ErrorCode.CONFLICT, 'The conference has ended');
    return roomOf(conferenceId);
  };

  socket.on('media:capabilities', (ack) => deps.reply(ack, async () => ok((await room()).rtpCapabilities)));

  socket.on('media:createTransport', (ack) =>
    deps.reply(ack, async () => ok(await (await room()).createWebRtcTransport(venueId))),
  );

  socket.on('media:connectTransport', (request, ack) =>
    deps.reply(ack, async () => {
      const parsed = connectTransportSchema.safeParse(request);
      if (!parsed.success) return invalid(parsed.error);
      const { transportId, dtlsParameters } = parsed.data;
      await mediasoupCall(async () => (await room()).connectTransport(venueId, transportId, dtlsParameters as types.DtlsParameters));
      return ok({});
    }),
  );

  socket.on('media:produce', (request, ack) =>
    deps.reply(ack, async () => {
      const parsed = produceSchema.safeParse(request);
      if (!parsed.success) return invalid(parsed.error);
      const { transportId, kind, rtpParameters } = parsed.data;
      const id = await mediasoupCall(async () => (await room()).produce(venueId, transportId, kind, rtpParameters as unknown as types.RtpParameters));
      return ok({ id });
    }),
  );

  socket.on('media:consume', (request, ack) =>
    deps.reply(ack, async () => {
      const parsed = consumeSchema.safeParse(request);
      if (!parsed.success) return invalid(parsed.error);
      const { transportId, target, rtpCapabilities } = parsed.data;
      if ('venueId' in target && actor.role !== 'presider' && target.venueId !== 'main') {
        return fail(new PlenaryError(ErrorCode.FORBIDDEN, 'A sub-venue receives the program and the main venue only'));
      }
      const consumer = await mediasoupCall(async () =>
        (await room()).consume(venueId, transportId, target, rtpCapabilities as types.RtpCapabilities, (consumerId) => socket.emit('consumerClosed', { consumerId })),
      );
      return ok(consumer);
    }),
  );

  socket.on('media:stats', (ack) =>
    deps.reply(ack, async () => {
      if (actor.role !== 'presider') return fail(new PlenaryError(ErrorCode.FORBIDDEN, 'Only the presider sees every venue\'s media health'));
      return ok(await (await room()).stats());
    }),
  );

  socket.on('media:restartIce', (request, ack) =>
    deps.reply(ack, async () => {
      const parsed = transportRequestSchema.safeParse(request);
      if (!parsed.success) return invalid(parsed.error);
      return ok({ iceParameters: await (await room()).restartIce(venueId, parsed.data.transportId) });
    }),
  );

  socket.on('media:closeConsumer', (request, ack) =>
    deps.reply(ack, async () => {
      const parsed = consumerRequestSchema.safeParse(request);
      if (!parsed.success) return invalid(parsed.error);
      (await room()).closeConsumer(venueId, parsed.data.consumerId);
      return ok({});
    }),
  );

  socket.on('media:resume', (request, ack) =>
    deps.reply(ack, async () => {
      const parsed = resumeConsumerSchema.safeParse(request);
      if (!parsed.success) return invalid(parsed.error);
      await (await room()).resumeConsumer(venueId, parsed.data.consumerId, parsed.data.layer);
      return ok({});
    }),
  );
}

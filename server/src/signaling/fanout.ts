import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { rooms, type VersionedEvent } from '@plenary/shared';
import { reportRedisTrouble, closeRedis } from '../store/redis-trouble';
import type { PlenaryIo } from './io';

/**
 * Where every stored event goes, once it is stored: the listeners of this
 * process (metrics, the media bridge), the other server processes' media
 * planes (through the Redis adapter), the conference's sockets on every
 * process, and the cut-off of whoever holds a rotated link, a removed venue or a
 * removed interpretation channel.
 */
export function eventFanOut(io: PlenaryIo, options: { local: ((events: VersionedEvent[]) => void)[]; toOtherProcesses: boolean }): (events: VersionedEvent[]) => void {
  return (events) => {
    for (const listener of options.local) listener(events);
    // Other server processes' media planes follow too (only the Redis adapter reaches them).
    if (options.toOtherProcesses) io.serverSideEmit('conferenceEvents', events);
    for (const event of events) {
      io.to(rooms.conference(event.conferenceId)).emit('event', event);
      // A rotated link or a removed venue stops working at once: whoever holds it is cut off.
      if (event.event.type === 'linkRotated' || event.event.type === 'venueRemoved') io.in(rooms.venue(event.conferenceId, event.event.venueId)).disconnectSockets(true);
      // So does a removed interpretation channel's interpreter link (its sockets are in the channel's room).
      if (event.event.type === 'interpretationChannelRemoved') io.in(rooms.venue(event.conferenceId, event.event.channelId)).disconnectSockets(true);
    }
  };
}

/**
 * What joins this process's Socket.io to the others' through Redis (pub/sub),
 * given to the Server when it is made: an adapter set afterwards leaves the
 * in-memory one it replaces with its session timer running for ever (jest saw
 * a handle open after every Redis-mode test). close() ends its connections.
 */
export function redisAdapter(redisUrl: string, logger: Logger): { adapter: ReturnType<typeof createAdapter>; close: () => Promise<void> } {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  reportRedisTrouble(pub, 'adapter publish', logger);
  reportRedisTrouble(sub, 'adapter subscribe', logger);
  return {
    adapter: createAdapter(forgivingPublisher(pub, (error) => logger.warn({ err: error }, 'an event could not reach the other server processes')), sub),
    close: async () => {
      await Promise.all([closeRedis(pub), closeRedis(sub)]);
    },
  };
}

/**
 * The adapter's view of its publishing client: the same client, except that a
 * failed publish is answered 0 after `onFailure`. The adapter fires its
 * publishes without waiting for them; while Redis is away they fail, and that
 * must be a logged warning, not an unhandled rejection that ends the process.
 * The adapter takes a client, not a publish function, hence the proxy (the
 * client itself stays as ioredis made it).
 */
function forgivingPublisher(pub: Redis, onFailure: (error: unknown) => void): Redis {
  const publish = (channel: string, message: string | Buffer) =>
    pub.publish(channel, message).catch((error: unknown) => {
      onFailure(error);
      return 0;
    });
  return new Proxy(pub, { get: (target, key) => (key === 'publish' ? publish : Reflect.get(target, key, target)) });
}

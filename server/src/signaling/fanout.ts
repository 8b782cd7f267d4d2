import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { rooms, type VersionedEvent } from '@plenary/shared';
import { reportRedisTrouble } from '../store/redis-trouble';
import type { PlenaryIo } from './channel';

/**
 * Where every stored event goes, once it is stored: the listeners of this
 * process (metrics, the media bridge), the other server processes' media
 * planes (through the Redis adapter), the conference's sockets on every
 * process, and the cut-off of whoever holds a rotated link or a removed venue.
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
    }
  };
}

/**
 * Joins this process's Socket.io to the others' through Redis (pub/sub).
 * Returns what closes its connections.
 */
export function attachRedisAdapter(io: PlenaryIo, redisUrl: string, logger: Logger): () => Promise<void> {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  reportRedisTrouble(pub, 'adapter publish', logger);
  reportRedisTrouble(sub, 'adapter subscribe', logger);
  io.adapter(createAdapter(forgivingPublisher(pub, (error) => logger.warn({ err: error }, 'an event could not reach the other server processes')), sub));
  return async () => {
    await Promise.all([pub.quit().catch(() => pub.disconnect()), sub.quit().catch(() => sub.disconnect())]);
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

import { Writable } from 'node:stream';
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Server } from 'socket.io';
import { TestRedis } from '../test/redis-server';
import { eventually } from '../test/harness';
import { redisAdapter } from './fanout';
import type { PlenaryIo } from './io';

describe('the fan-out to other server processes', () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await TestRedis.create({ durable: false });
  });
  afterAll(() => redis?.close());

  it('logs a publish Redis refuses as a warning, and the process goes on (no unhandled rejection)', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (line, _encoding, done) => (warnings.push(String(line)), done()) }));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    // A Redis user whose every PUBLISH is refused (as a misconfigured or read-only server would).
    const admin = new Redis(redis.url);
    await admin.call('ACL', 'SETUSER', 'fanout', 'on', '>fanout-pass', '~*', '&*', '+@all', '-publish');
    await admin.quit();
    const fanOut = redisAdapter(redis.url.replace('redis://', 'redis://fanout:fanout-pass@'), logger);
    const io = new Server(createServer(), { adapter: fanOut.adapter }) as PlenaryIo;
    try {
      io.serverSideEmit('conferenceEvents', []);
      await eventually(() => warnings.some((line) => line.includes('an event could not reach the other server processes')));
      // A turn of the event loop for any rejection nobody handled to be reported.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      // As the server shuts down: socket.io (and its adapter's subscriptions) first, then Redis.
      await new Promise((resolve) => io.close(resolve));
      await fanOut.close();
    }
  });
});

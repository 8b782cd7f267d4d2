import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import { TestRedis } from '../test/redis-server';
import { eventually } from '../test/harness';
import { reportRedisTrouble } from './redis-trouble';

it('logs a Redis outage once when it starts and once when the connection is back, however many retries fail between', async () => {
  const redis = await TestRedis.create({ durable: false });
  const lines: { msg: string; redis: string }[] = [];
  const logger = pino(new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString()) as { msg: string; redis: string }), done()) }));
  const client = new Redis(redis.url, { retryStrategy: () => 100 });
  let errors = 0;
  client.on('error', () => errors++);
  reportRedisTrouble(client, 'store', logger);
  try {
    await client.ping();
    await redis.kill();
    await eventually(() => errors >= 5, 10_000); // ioredis fails every reconnection attempt
    await redis.start();
    await eventually(async () => (await client.ping().catch(() => undefined)) === 'PONG', 10_000);
    await eventually(() => lines.length >= 2);
    expect(lines.map((line) => [line.msg, line.redis])).toEqual([
      ['Redis connection trouble; reconnecting', 'store'],
      ['Redis connection back', 'store'],
    ]);
  } finally {
    client.disconnect();
    await redis.close();
  }
});

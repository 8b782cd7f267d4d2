import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { reportRedisTrouble, closeRedis } from './redis-trouble';
import type { Ack } from '@plenary/shared';
import { COMMAND_MEMORY_SECONDS, EVENT_LOG_LENGTH, type Append, type ConferenceRecord, type ConferenceStore } from './types';

const key = {
  record: (id: string) => `plenary:conf:${id}:record`,
  version: (id: string) => `plenary:conf:${id}:version`,
  events: (id: string) => `plenary:conf:${id}:events`,
  answer: (id: string, commandKey: string) => `plenary:conf:${id}:answer:${commandKey}`,
  linkSecret: 'plenary:link-secret',
};

// Create only if absent: the record and its version key together.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
return 1`;

// Compare-and-set on the version; the record, the event tail and the remembered
// answer change together or not at all. A command already answered (its copy, sent
// again after a lost answer, ran on another process meanwhile) is not applied again.
const APPEND = `
if redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
redis.call('SET', KEYS[4], ARGV[4], 'EX', ARGV[5])
for i = 7, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[6]), -1)
return 1`;

/** Conferences in Redis: they survive a restart, and every server process sees the same ones. */
export class RedisStore implements ConferenceStore {
  private constructor(private readonly redis: Redis) {}

  /** Connects and fails fast (naming the URL's host) if Redis does not answer. */
  static async connect(url: string, logger?: Logger): Promise<RedisStore> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    reportRedisTrouble(redis, 'store', logger);
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      throw new Error(`Cannot reach Redis at ${new URL(url).host}: ${(error as Error).message}`);
    }
    return new RedisStore(redis);
  }

  async create(record: ConferenceRecord): Promise<boolean> {
    const id = record.state.id;
    const created = await this.redis.eval(CREATE, 2, key.record(id), key.version(id), JSON.stringify(record), String(record.state.version));
    return created === 1;
  }

  async get(conferenceId: string): Promise<ConferenceRecord | undefined> {
    const json = await this.redis.get(key.record(conferenceId));
    return json ? (JSON.parse(json) as ConferenceRecord) : undefined;
  }

  async append(append: Append): Promise<boolean> {
    const id = append.conferenceId;
    const result = await this.redis.eval(
      APPEND,
      4,
      key.record(id),
      key.version(id),
      key.events(id),
      key.answer(id, append.commandKey),
      String(append.expectedVersion),
      JSON.stringify(append.record),
      String(append.record.state.version),
      JSON.stringify(append.answer),
      String(COMMAND_MEMORY_SECONDS),
      String(EVENT_LOG_LENGTH),
      ...append.events.map((event) => JSON.stringify(event)),
    );
    return result === 1;
  }

  async answerFor(conferenceId: string, commandKey: string): Promise<Ack<{ version: number }> | undefined> {
    const json = await this.redis.get(key.answer(conferenceId, commandKey));
    return json ? (JSON.parse(json) as Ack<{ version: number }>) : undefined;
  }

  async linkSecret(): Promise<Uint8Array> {
    await this.redis.set(key.linkSecret, randomBytes(32).toString('hex'), 'NX');
    const hex = await this.redis.get(key.linkSecret);
    if (!hex) throw new Error('the link secret vanished from Redis');
    return Buffer.from(hex, 'hex');
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }
}

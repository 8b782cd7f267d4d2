// jest globalSetup: a real redis-server for the whole test run (durable: tests check that
// acknowledged commands survive). Its URL reaches the tests as PLENARY_TEST_REDIS_URL;
// redis-teardown.ts stops it.
import { TestRedis } from '../../server/src/test/redis-server';

export default async function startRedis(): Promise<void> {
  const redis = await TestRedis.create();
  (globalThis as { plenaryRedis?: TestRedis }).plenaryRedis = redis;
  process.env.PLENARY_TEST_REDIS_URL = redis.url;
}

// jest globalTeardown: stops the redis-server that redis-setup.ts started, and removes its data.
import type { TestRedis } from '../../server/src/test/redis-server';

export default async function stopRedis(): Promise<void> {
  await (globalThis as { plenaryRedis?: TestRedis }).plenaryRedis?.close();
}

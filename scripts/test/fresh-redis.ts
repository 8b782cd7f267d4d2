// jest setupFilesAfterEnv: every test file starts with an empty test Redis, so that nothing one
// file left (a live conference, its media lease) is taken over by the server processes of the next.
import { Redis } from 'ioredis';

beforeAll(async () => {
  const url = process.env.PLENARY_TEST_REDIS_URL;
  if (!url) return;
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    await redis.flushall();
  } finally {
    // quit(), not disconnect(): it leaves no timer behind (see TestRedis.start).
    await redis.quit().catch(() => redis.disconnect());
  }
});

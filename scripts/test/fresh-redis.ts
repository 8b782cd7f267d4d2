// jest setupFilesAfterEnv: every test file starts with an empty test Redis, so that nothing one
// file left (a live conference, its media lease) is taken over by the server processes of the next.
import { Redis } from 'ioredis';

beforeAll(async () => {
  const url = process.env.PLENARY_TEST_REDIS_URL;
  if (!url) return;
  const redis = new Redis(url, { lazyConnect: true });
  try {
    await redis.connect();
    await redis.flushall();
  } finally {
    redis.disconnect();
  }
});

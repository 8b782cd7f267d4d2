// jest globalSetup: a real redis-server on a free loopback port for the tests,
// with every write fsynced (tests check that acknowledged commands survive).
// The URL goes to the tests as PLENARY_TEST_REDIS_URL; redis-teardown.js stops it.
const { spawn } = require('node:child_process');
const { createServer } = require('node:net');
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function ping(port) {
  const { Redis } = require('ioredis');
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

module.exports = async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'plenary-redis-'));
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
  globalThis.__plenaryRedis = redis;
  for (let i = 0; i < 100; i++) {
    if (await ping(port)) {
      process.env.PLENARY_TEST_REDIS_URL = `redis://127.0.0.1:${port}`;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  redis.kill('SIGKILL');
  throw new Error('redis-server did not start; is the redis-server package installed?');
};

// jest globalTeardown: stops the redis-server that redis-setup.js started.
module.exports = async function stopRedis() {
  const redis = globalThis.__plenaryRedis;
  if (!redis || redis.exitCode !== null) return;
  const exited = new Promise((resolve) => redis.once('exit', resolve));
  redis.kill('SIGTERM');
  await exited;
};

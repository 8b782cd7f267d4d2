import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './app/config';
import { createLogger } from './app/logger';
import { startPlenary } from './app/plenary';

/** `npm start`: read config, start Plenary, print what a person needs, stop cleanly on a signal. */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  // A promise nobody waited for must not end a live conference: log it, keep serving.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection (still running)'));
  const plenary = await startPlenary(config, logger, { demo: config.demo });

  const lines = [
    '',
    `Plenary is running on ${config.publicUrl} (listening on ${plenary.url})`,
    ...(plenary.demo
      ? [
          'Demo conference "demo" (DEMO=off for none):',
          `  Presider console: ${plenary.demo.hostUrl}`,
          ...plenary.demo.joinLinks.map((link) => `  Join link, ${link.name}: ${link.url}`),
          `  Watch page:       ${plenary.demo.watchUrl}`,
          ...(config.broadcastLadder.length > 0
            ? [`  Broadcast (HLS):  ${config.publicUrl}/hls/demo/master.m3u8 (${config.demoSimulatedVenues > 0 ? 'simulated venues on air' : "starts once the conference's media is in use"}; recordings in ${config.archiveDir})`]
            : []),
        ]
      : ['No demo conference (DEMO=off): create conferences with the admin API.']),
    '',
    `  Health:          ${config.publicUrl}/healthz`,
    `  Media self-test: curl -X POST -H "Authorization: Bearer <admin key>" ${config.publicUrl}/api/media/self-test`,
    config.adminKeyGenerated
      ? `  Admin key (generated for this run; set PLENARY_ADMIN_KEY to keep one): ${config.adminKey}`
      : '  Admin key: from PLENARY_ADMIN_KEY',
    // The Redis URL may carry a password: only its host is shown.
    `  State: ${config.redisUrl ? `Redis at ${new URL(config.redisUrl).host}` : 'in memory (set REDIS_URL to keep it across restarts)'}`,
    `  Media: ${plenary.workers.workers.length} mediasoup ${plenary.workers.version} worker(s), WebRTC announced at ${config.announcedIp}`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');

  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    plenary.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Plenary failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from 'pino';
import { WorkerPool } from '@plenary/sfu';
import type { Config } from './config';
import { healthRouter } from '../http/health';
import { selfTestRouter } from '../http/selftest';
import { homeRouter } from '../http/home';
import { ErrorCode } from '@plenary/shared';
import { errorHandler, sendError } from '../http/errors';

/** A running Plenary: its address and the one way to stop it. */
export interface Plenary {
  /** Where the HTTP server listens, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly workers: WorkerPool;
  /** Stops accepting requests, closes connections and workers. Idempotent. */
  close(): Promise<void>;
}

/**
 * The composition root: builds every component from the config, wires them,
 * and owns them until close().
 */
export async function startPlenary(config: Config, logger: Logger): Promise<Plenary> {
  const workers = await WorkerPool.create({
    numWorkers: config.mediasoupWorkers,
    listenIp: config.host === '0.0.0.0' || config.host === '::' ? '0.0.0.0' : config.host,
    announcedAddress: config.announcedIp,
    rtcBasePort: config.rtcPort,
    logger: logger.child({ component: 'workers' }),
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(healthRouter(workers));
  app.use('/api/media', selfTestRouter({ workers, adminKey: config.adminKey, logger: logger.child({ component: 'selftest' }) }));
  app.use(homeRouter(config));
  app.use('/api', (_req, res) => sendError(res, ErrorCode.NOT_FOUND, 'No such API endpoint'));
  app.use(errorHandler(logger.child({ component: 'http' })));

  const server = createServer(app);
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await workers.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    workers,
    close() {
      closing ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await workers.close();
      })();
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

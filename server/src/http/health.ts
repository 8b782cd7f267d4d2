import { Router } from 'express';
import type { WorkerPool } from '@plenary/sfu';

/** GET /healthz: liveness plus what a person checks first, the media workers. */
export function healthRouter(workers: WorkerPool): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    const live = workers.status();
    const healthy = live.length > 0;
    res
      .status(healthy ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({
        status: healthy ? 'ok' : 'degraded',
        mediasoup: { version: workers.version, workers: live },
      });
  });
  return router;
}

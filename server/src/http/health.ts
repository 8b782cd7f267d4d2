import { Router } from 'express';
import type { MediaPlane } from '@plenary/sfu';

/**
 * GET /healthz: liveness plus what a person checks first, the media workers,
 * and what each carries: conference programs (switcher and broadcast) and
 * venues (the program's worker carries none while another worker lives).
 */
export function healthRouter(media: MediaPlane): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const live = media.workers.status();
    const load = await media.workload();
    const healthy = live.length > 0;
    res
      .status(healthy ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({
        status: healthy ? 'ok' : 'degraded',
        mediasoup: { version: media.workers.version, workers: live.map((worker) => ({ ...worker, programs: 0, venues: 0, ...load.get(worker.index) })) },
      });
  });
  return router;
}

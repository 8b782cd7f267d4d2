import { Router } from 'express';
import type { Logger } from 'pino';
import { ErrorCode, ok } from '@plenary/shared';
import { routerMediaCodecs, runLoopbackSelfTest, type WorkerPool } from '@plenary/sfu';
import { requireAdminKey } from '../auth/admin';
import { sendError } from './errors';

const WIDTH = 320;
const HEIGHT = 240;

/**
 * POST /api/media/self-test (admin key): sends a test picture through a real
 * router and back, and reports whether it decoded at the right size. One run at
 * a time, since each starts two ffmpeg processes.
 */
export function selfTestRouter(deps: { workers: WorkerPool; adminKey: string; logger: Logger }): Router {
  const router = Router();
  let running = false;
  router.post('/self-test', requireAdminKey(deps.adminKey), async (_req, res, next) => {
    if (running) return sendError(res, ErrorCode.CONFLICT, 'A media self-test is already running; try again in a few seconds');
    running = true;
    let mediaRouter;
    try {
      const { worker, index } = deps.workers.pick();
      mediaRouter = await worker.createRouter({ mediaCodecs: routerMediaCodecs });
      const result = await runLoopbackSelfTest(mediaRouter, { width: WIDTH, height: HEIGHT, logger: deps.logger });
      const passed =
        result.framesDecoded > 0 && result.decodeErrors === '' && result.width === WIDTH && result.height === HEIGHT;
      deps.logger.info({ ...result, passed, worker: index }, 'media self-test finished');
      res.set('Cache-Control', 'no-store').json(ok({ passed, worker: { index, pid: worker.pid }, ...result }));
    } catch (error) {
      next(error);
    } finally {
      mediaRouter?.close();
      running = false;
    }
  });
  return router;
}

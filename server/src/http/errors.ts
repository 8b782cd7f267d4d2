import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ErrorCode, PlenaryError, fail } from '@plenary/shared';

const httpStatus: Record<ErrorCode, number> = {
  INVALID: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/**
 * Sends a failed ack with the HTTP status that matches its code. Not cached, unless the
 * caller said otherwise: a missing HLS part is cached for a second, so that an edge
 * answers its whole crowd from one origin request instead of sending every viewer on.
 */
export function sendError(res: Response, code: ErrorCode, message: string): void {
  if (!res.get('Cache-Control')) res.set('Cache-Control', 'no-store');
  res.locals.errorCode = code; // for the errors metric: the same stable codes as the socket side
  res.status(httpStatus[code]).json(fail(new PlenaryError(code, message)));
}

/** The last handler: every error becomes a stable code; internals are logged, not leaked. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    if (error instanceof PlenaryError) return sendError(res, error.code, error.message);
    // body-parser and friends mark client errors with a status below 500.
    const status = (error as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendError(res, ErrorCode.INVALID, 'The request could not be read');
    }
    logger.error({ err: error }, 'unhandled error in an HTTP handler');
    sendError(res, ErrorCode.INTERNAL, 'Internal error');
  };
}

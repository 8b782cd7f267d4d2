import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ErrorCode } from '@plenary/shared';
import { sendError } from '../http/errors';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Lets a request through only with `Authorization: Bearer <admin key>`.
 * Compares digests in constant time so the key cannot be guessed byte by byte.
 */
export function requireAdminKey(adminKey: string): RequestHandler {
  const expected = digest(adminKey);
  return (req, res, next) => {
    const match = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
    if (!match?.[1]) {
      return sendError(res, ErrorCode.UNAUTHENTICATED, 'This needs the admin key: Authorization: Bearer <PLENARY_ADMIN_KEY>');
    }
    if (!timingSafeEqual(digest(match[1]), expected)) {
      return sendError(res, ErrorCode.FORBIDDEN, 'The admin key is wrong');
    }
    next();
  };
}

/** Whether a presented key is the admin key (constant time, as above). */
export function isAdminKey(adminKey: string, presented: string): boolean {
  return timingSafeEqual(digest(presented), digest(adminKey));
}

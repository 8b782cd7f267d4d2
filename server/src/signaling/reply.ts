import type { Logger } from 'pino';
import type { z } from 'zod';
import { ErrorCode, PlenaryError, fail, type Ack } from '@plenary/shared';

/**
 * Runs a handler and answers through the ack callback, always: a stable error
 * code on failure, INTERNAL (logged, not leaked) for anything unexpected. A
 * message without an ack callback cannot be answered and is dropped.
 */
export function reply<T>(ack: unknown, log: Logger, work: () => Promise<Ack<T>>, onError?: (code: string) => void): void {
  if (typeof ack !== 'function') return;
  work().then(
    (result) => {
      if (!result.ok) onError?.(result.error.code);
      ack(result);
    },
    (error: unknown) => {
      if (!(error instanceof PlenaryError)) log.error({ err: error }, 'control message failed');
      const answer = fail(error);
      if (!answer.ok) onError?.(answer.error.code);
      ack(answer);
    },
  );
}

/** An INVALID answer naming the first problem zod found. */
export function invalid(error: z.ZodError): Ack<never> {
  const issue = error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  return fail(new PlenaryError(ErrorCode.INVALID, `${where}${issue?.message ?? 'invalid payload'}`));
}

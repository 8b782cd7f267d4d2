import { ErrorCode, PlenaryError } from '../errors/codes';

/** The answer to every request: data on success, a stable code and a message on failure. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } };

/** A successful ack. */
export function ok<T>(data: T): Ack<T> {
  return { ok: true, data };
}

/** A failed ack; unknown errors become INTERNAL without leaking their message. */
export function fail(error: unknown): Ack<never> {
  if (error instanceof PlenaryError) {
    return { ok: false, error: { code: error.code, message: error.message } };
  }
  return { ok: false, error: { code: ErrorCode.INTERNAL, message: 'Internal error' } };
}

/** Stable error codes on the wire: clients and operators may rely on them. */
export const ErrorCode = {
  /** The payload failed validation. */
  INVALID: 'INVALID',
  /** The caller's role may not do this. */
  FORBIDDEN: 'FORBIDDEN',
  /** No credentials, or credentials that are expired or tampered with. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The conference, venue or object does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The command does not fit the current state (e.g. floor to a venue that left). */
  CONFLICT: 'CONFLICT',
  /** Too many requests; retry later. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The media plane or a dependency is not available right now. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** A bug on our side; logged with details, never leaked. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error that carries a stable code; anything else is reported as INTERNAL. */
export class PlenaryError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PlenaryError';
  }
}

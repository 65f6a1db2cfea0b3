import type { StatePersistenceErrorCode } from '@agentstate/state-persistence';
import { AuthenticationError, AuthUnavailableError, ForbiddenError } from './auth/errors';

/** The realm named in WWW-Authenticate challenges. */
export const AUTH_REALM = 'agent-state';

/** An error with its HTTP status and the `{ error: { code, message } }` body a client sees. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * Status per service error code. A Record over the union, so a code added to
 * the service fails typecheck here until someone decides its status.
 */
export const STATUS_BY_CODE: Readonly<Record<StatePersistenceErrorCode, number>> = Object.freeze({
  INVALID_INPUT: 400,
  // the LangGraph saver's: a checkpoint call with no owner (no user_id, no defaultUserId)
  MISSING_OWNER: 400,
  STATE_NOT_SERIALIZABLE: 400,
  INVALID_CURSOR: 400,
  PROVISIONING_REFUSED: 403,
  UNKNOWN_USER: 404,
  UNKNOWN_REFERENCE: 404,
  SNAPSHOT_NOT_FOUND: 404,
  CONCURRENT_WRITE: 409,
  // an Idempotency-Key (snapshot id) reused for a different request, as Stripe answers it
  IDEMPOTENCY_CONFLICT: 422,
  STATE_TOO_LARGE: 413,
  REFERENCE_RULE_MISSING: 500,
  PERSISTENCE_FAILED: 500,
  DATABASE_UNAVAILABLE: 503,
  THREAD_BUSY: 503,
});

// 5xx messages carry database details (hosts, SQL errors): log them, don't send them.
const PUBLIC_MESSAGE: Partial<Record<number, string>> = {
  500: 'The server failed to complete the operation; the details are in the server log.',
  503: 'The database is unavailable; the operation was not applied. Retry later.',
};

/**
 * Maps anything thrown by a handler to an HttpError. Service errors are
 * matched on their stable `code` (not instanceof, which a duplicated copy of
 * the package would break); everything else is a 500.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof AuthenticationError) return new HttpError(401, error.code, error.message, { 'WWW-Authenticate': wwwAuthenticate(error) });
  if (error instanceof ForbiddenError) return new HttpError(403, error.code, error.message);
  if (error instanceof AuthUnavailableError) return new HttpError(503, error.code, error.message, { 'Retry-After': '5' });
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === 'string' && Object.hasOwn(STATUS_BY_CODE, code)) {
    const status = STATUS_BY_CODE[code as StatePersistenceErrorCode];
    const headers: Record<string, string> = status === 503 ? { 'Retry-After': '1' } : {};
    return new HttpError(status, code, PUBLIC_MESSAGE[status] ?? error.message, headers);
  }
  return new HttpError(500, 'INTERNAL_ERROR', PUBLIC_MESSAGE[500] ?? 'Internal error');
}

/**
 * RFC 6750 challenge: no credentials get the bare challenge (no error code,
 * as section 3.1 says); refused ones `error="invalid_token"` with the reason.
 */
export function wwwAuthenticate(error: AuthenticationError): string {
  if (error.code === 'UNAUTHENTICATED') return `Bearer realm="${AUTH_REALM}"`;
  // error_description may not contain '"' or '\\' (RFC 6750 3).
  const description = error.message.replace(/["\\]/g, "'");
  return `Bearer realm="${AUTH_REALM}", error="invalid_token", error_description="${description}"`;
}

export function errorBody(error: HttpError): { error: { code: string; message: string } } {
  return { error: { code: error.code, message: error.message } };
}

/**
 * Errors of the HTTP layer's authentication, as classes with stable codes.
 * They know nothing about HTTP: httpErrors.ts maps them to statuses and headers.
 */

export type AuthConfigErrorCode =
  | 'AUTH_NOT_CONFIGURED'
  | 'AUTH_CONFLICTING_KEYS'
  | 'AUTH_SECRET_TOO_SHORT'
  | 'AUTH_JWKS_URL_INVALID'
  | 'AUTH_ALGORITHMS_INVALID'
  | 'AUTH_CLAIM_OPTION_INVALID';

/** The AUTH_* environment variables are missing or invalid: the server does not start. */
export class AuthConfigError extends Error {
  constructor(
    readonly code: AuthConfigErrorCode,
    /** the variable to fix */
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'AuthConfigError';
  }
}

/** Why a request's credentials were refused; for logs and tests, the client sees the message. */
export type TokenRejectionReason =
  | 'missing'
  | 'malformed-header'
  | 'malformed-token'
  | 'expired'
  | 'not-yet-valid'
  | 'bad-signature'
  | 'alg-not-allowed'
  | 'unknown-key'
  | 'claims';

/** No usable bearer token: 401. `UNAUTHENTICATED` when none was sent, `INVALID_TOKEN` otherwise. */
export class AuthenticationError extends Error {
  readonly code: 'UNAUTHENTICATED' | 'INVALID_TOKEN';
  constructor(
    readonly reason: TokenRejectionReason,
    message: string,
  ) {
    super(message);
    this.name = 'AuthenticationError';
    this.code = reason === 'missing' ? 'UNAUTHENTICATED' : 'INVALID_TOKEN';
  }
}

/**
 * The keys needed to check a token could not be fetched (JWKS endpoint down,
 * slow or answering garbage): 503, retryable. Not a 401: the token may be fine.
 */
export class AuthUnavailableError extends Error {
  readonly code = 'AUTH_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthUnavailableError';
  }
}

/** A valid token asked for data that is not its subject's: 403, nothing read or written. */
export class ForbiddenError extends Error {
  readonly code = 'FORBIDDEN';
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

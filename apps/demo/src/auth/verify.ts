import type { AuthConfig } from './config';
import { AuthenticationError, AuthUnavailableError, type TokenRejectionReason } from './errors';
import { loadJose, type Jose } from './jose';

export interface VerifiedToken {
  /** the token's `sub`: the only user the request may touch */
  subject: string;
  expiresAt: Date;
}

export interface TokenVerifier {
  /** resolves with the subject, or rejects with AuthenticationError (401) or AuthUnavailableError (503); never accepts on doubt */
  verify(token: string): Promise<VerifiedToken>;
}

export interface TokenVerifierOptions {
  /** JWKS fetch timeout, default 5000 ms (jose's default) */
  jwksTimeoutMs?: number;
}

type KeyInput = Parameters<Jose['jwtVerify']>[1];

/**
 * A verifier for `config`. The algorithm allow-list is checked before any key
 * is looked up (so `alg: none`, or HS256 signed with a JWKS public key, fails
 * without a fetch); `sub` and `exp` are required.
 */
export async function createTokenVerifier(config: AuthConfig, options: TokenVerifierOptions = {}): Promise<TokenVerifier> {
  const jose = await loadJose();
  const key = config.keys.kind === 'secret' ? config.keys.secret : remoteKeys(jose, config.keys.url, options);
  const verifyOptions = {
    algorithms: [...config.algorithms],
    requiredClaims: ['sub', 'exp'],
    clockTolerance: config.clockToleranceSeconds,
    ...(config.issuer !== undefined ? { issuer: config.issuer } : {}),
    ...(config.audience !== undefined ? { audience: config.audience } : {}),
  };
  return Object.freeze({
    async verify(token: string): Promise<VerifiedToken> {
      let payload: Awaited<ReturnType<Jose['jwtVerify']>>['payload'];
      try {
        ({ payload } = await jose.jwtVerify(token, key as KeyInput, verifyOptions));
      } catch (error) {
        throw classifyVerifyError(error);
      }
      // jose checks that sub is present, not that it is a usable id.
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new AuthenticationError('claims', 'The token\'s "sub" claim must be a non-empty string.');
      return { subject: payload.sub, expiresAt: new Date((payload.exp ?? 0) * 1000) };
    },
  });
}

/**
 * The JWKS key getter, with fetch failures turned into AuthUnavailableError
 * here, where they cannot be confused with a bad token.
 */
function remoteKeys(jose: Jose, url: URL, options: TokenVerifierOptions) {
  const jwks = jose.createRemoteJWKSet(url, { ...(options.jwksTimeoutMs !== undefined ? { timeoutDuration: options.jwksTimeoutMs } : {}) });
  return async (...args: Parameters<typeof jwks>) => {
    try {
      return await jwks(...args);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      // No matching key, several, or an unusable one: the token's fault (kid/alg), 401.
      if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' || code === 'ERR_JOSE_NOT_SUPPORTED' || code === 'ERR_JOSE_ALG_NOT_ALLOWED') throw error;
      // Timeout, connection refused, non-200, not a JWKS: the key server's fault, 503.
      throw new AuthUnavailableError('The keys to verify the token could not be fetched; retry later.', { cause: error });
    }
  };
}

const REASON_BY_JOSE_CODE: Readonly<Record<string, [TokenRejectionReason, string]>> = {
  ERR_JWT_EXPIRED: ['expired', 'The token has expired.'],
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: ['bad-signature', 'The token signature is not valid.'],
  ERR_JOSE_ALG_NOT_ALLOWED: ['alg-not-allowed', 'The token algorithm is not accepted.'],
  ERR_JOSE_NOT_SUPPORTED: ['alg-not-allowed', 'The token algorithm or key is not supported.'],
  ERR_JWKS_NO_MATCHING_KEY: ['unknown-key', 'The token was not signed by a known key.'],
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: ['unknown-key', 'The token does not name its key (kid) unambiguously.'],
  ERR_JWS_INVALID: ['malformed-token', 'The token is not a well-formed JWS.'],
  ERR_JWT_INVALID: ['malformed-token', 'The token is not a well-formed JWT.'],
};

/** Maps what jose throws to our errors. Anything unrecognised is a 401 too: fail closed. */
export function classifyVerifyError(error: unknown): AuthenticationError | AuthUnavailableError {
  if (error instanceof AuthUnavailableError || error instanceof AuthenticationError) return error;
  const e = error as { code?: unknown; claim?: unknown; reason?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    const claim = typeof e?.claim === 'string' ? e.claim : 'a claim';
    if (claim === 'nbf') return new AuthenticationError('not-yet-valid', 'The token is not valid yet (nbf).');
    return new AuthenticationError('claims', `The token's "${claim}" claim is missing or not accepted.`);
  }
  const known = REASON_BY_JOSE_CODE[code];
  if (known) return new AuthenticationError(known[0], known[1]);
  return new AuthenticationError('malformed-token', 'The token could not be verified.');
}

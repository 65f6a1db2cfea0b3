import { validateIdentifier, type Environment } from '@agentstate/policy';
import type { AuthConfig } from './config';
import { loadJose } from './jose';

export type DevTokenErrorCode = 'DEV_TOKEN_NEEDS_SECRET' | 'DEV_TOKEN_NOT_DEVELOPMENT' | 'DEV_TOKEN_INVALID_USER';

export class DevTokenError extends Error {
  constructor(
    readonly code: DevTokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DevTokenError';
  }
}

export interface DevTokenRequest {
  config: AuthConfig;
  /** the process's environment (resolveEnvironment(process.env)): tokens are minted in development and test only */
  environment: Environment;
  userId: string;
  ttlSeconds: number;
  /** seconds since the epoch; default now */
  now?: number;
}

/**
 * Signs a short-lived HS256 token for `userId` with the server's own secret,
 * with the configured issuer and audience, so `serve` accepts it. A tool for
 * trying the API locally: production tokens come from an identity provider.
 */
export async function mintDevToken(request: DevTokenRequest): Promise<string> {
  const { config, environment, userId, ttlSeconds } = request;
  if (environment !== 'development' && environment !== 'test') {
    throw new DevTokenError('DEV_TOKEN_NOT_DEVELOPMENT', `dev-token mints tokens in development or test only (AGENT_STATE_ENV/NODE_ENV resolve to "${environment}"); production tokens come from your identity provider.`);
  }
  if (config.keys.kind !== 'secret') throw new DevTokenError('DEV_TOKEN_NEEDS_SECRET', 'dev-token needs AUTH_JWT_SECRET (with AUTH_JWKS_URL, tokens come from the identity provider holding the private key).');
  const valid = validateIdentifier(userId);
  if (!valid.ok) throw new DevTokenError('DEV_TOKEN_INVALID_USER', `"${userId}" is not a valid user id: ${valid.reason}`);
  const jose = await loadJose();
  const now = request.now ?? Math.floor(Date.now() / 1000);
  let jwt = new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(valid.id).setIssuedAt(now).setExpirationTime(now + ttlSeconds);
  if (config.issuer !== undefined) jwt = jwt.setIssuer(config.issuer);
  if (config.audience !== undefined) jwt = jwt.setAudience(config.audience);
  return jwt.sign(config.keys.secret);
}

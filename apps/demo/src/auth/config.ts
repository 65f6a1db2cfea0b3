import { BlockList, isIP } from 'node:net';
import { AuthConfigError } from './errors';

/** The environment variables that configure authentication (see README.md). */
export const AUTH_ENV = Object.freeze({
  secret: 'AUTH_JWT_SECRET',
  jwksUrl: 'AUTH_JWKS_URL',
  algorithms: 'AUTH_JWT_ALGORITHMS',
  issuer: 'AUTH_JWT_ISSUER',
  audience: 'AUTH_JWT_AUDIENCE',
});

/** HS256 keys shorter than the hash output are guessable offline from one token (RFC 7518 3.2). */
export const MIN_SECRET_BYTES = 32;
/** Clock skew accepted on exp/nbf between the token issuer and this server. */
export const CLOCK_TOLERANCE_SECONDS = 5;
/** Asymmetric algorithms a JWKS may be used with. Never `none`, never HS* (a public key must not become an HMAC secret). */
export const JWKS_ALGORITHMS = Object.freeze(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const);
export const DEFAULT_JWKS_ALGORITHMS: readonly string[] = Object.freeze(['RS256', 'ES256']);

export type AuthKeys = { kind: 'secret'; secret: Uint8Array } | { kind: 'jwks'; url: URL };

export interface AuthConfig {
  keys: AuthKeys;
  /** the only `alg` values accepted; checked before any key is looked up */
  algorithms: readonly string[];
  /** when set, the token's `iss` must equal it */
  issuer?: string;
  /** when set, the token's `aud` must contain it */
  audience?: string;
  clockToleranceSeconds: number;
}

/** Unset and empty are the same (a blank line in an .env file). */
function read(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Reads AUTH_* from `env`: exactly one of AUTH_JWT_SECRET (HS256) and
 * AUTH_JWKS_URL, optional algorithms (JWKS only), issuer and audience. Pure:
 * throws AuthConfigError naming the variable to fix.
 */
export function parseAuthConfig(env: Readonly<Record<string, string | undefined>>): AuthConfig {
  const secret = read(env, AUTH_ENV.secret);
  const jwksUrl = read(env, AUTH_ENV.jwksUrl);
  const algorithms = read(env, AUTH_ENV.algorithms);
  if (secret === undefined && jwksUrl === undefined) {
    throw new AuthConfigError(
      'AUTH_NOT_CONFIGURED',
      AUTH_ENV.secret,
      `Authentication is not configured: set ${AUTH_ENV.secret} (HS256, at least ${MIN_SECRET_BYTES} bytes, e.g. \`openssl rand -base64 48\`) or ${AUTH_ENV.jwksUrl} (the identity provider's JWKS).`,
    );
  }
  if (secret !== undefined && jwksUrl !== undefined) {
    throw new AuthConfigError('AUTH_CONFLICTING_KEYS', AUTH_ENV.jwksUrl, `Set either ${AUTH_ENV.secret} or ${AUTH_ENV.jwksUrl}, not both: which key signs tokens must not be ambiguous.`);
  }
  const claims = { ...optionalClaim(env, AUTH_ENV.issuer, 'issuer'), ...optionalClaim(env, AUTH_ENV.audience, 'audience'), clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS };

  if (secret !== undefined) {
    const bytes = new TextEncoder().encode(secret);
    if (bytes.length < MIN_SECRET_BYTES) {
      throw new AuthConfigError('AUTH_SECRET_TOO_SHORT', AUTH_ENV.secret, `${AUTH_ENV.secret} is ${bytes.length} bytes; HS256 needs at least ${MIN_SECRET_BYTES} (e.g. \`openssl rand -base64 48\`).`);
    }
    if (algorithms !== undefined) {
      throw new AuthConfigError('AUTH_ALGORITHMS_INVALID', AUTH_ENV.algorithms, `${AUTH_ENV.algorithms} applies to ${AUTH_ENV.jwksUrl} only; with ${AUTH_ENV.secret} the algorithm is HS256.`);
    }
    return { keys: { kind: 'secret', secret: bytes }, algorithms: ['HS256'], ...claims };
  }
  return { keys: { kind: 'jwks', url: parseJwksUrl(jwksUrl as string) }, algorithms: parseAlgorithms(algorithms), ...claims };
}

function optionalClaim(env: Readonly<Record<string, string | undefined>>, name: string, key: 'issuer' | 'audience'): { issuer?: string } | { audience?: string } {
  const value = read(env, name);
  if (value === undefined) return {};
  // Compared exactly: surrounding whitespace is a configuration slip, not part of the claim.
  if (value.trim() !== value) throw new AuthConfigError('AUTH_CLAIM_OPTION_INVALID', name, `${name} has leading or trailing whitespace.`);
  return { [key]: value };
}

/** https, or http to this machine only: keys fetched in clear text over a network could be swapped. */
function parseJwksUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AuthConfigError('AUTH_JWKS_URL_INVALID', AUTH_ENV.jwksUrl, `${AUTH_ENV.jwksUrl} is not a URL: "${text}".`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHostname(url.hostname)) return url;
  throw new AuthConfigError('AUTH_JWKS_URL_INVALID', AUTH_ENV.jwksUrl, `${AUTH_ENV.jwksUrl} must use https (http only for localhost/127.0.0.1/[::1]), got "${url.protocol}//${url.host}".`);
}

function parseAlgorithms(text: string | undefined): readonly string[] {
  if (text === undefined) return DEFAULT_JWKS_ALGORITHMS;
  const list = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  const allowed: readonly string[] = JWKS_ALGORITHMS;
  const bad = list.filter((alg) => !allowed.includes(alg));
  if (list.length === 0 || bad.length > 0) {
    throw new AuthConfigError(
      'AUTH_ALGORITHMS_INVALID',
      AUTH_ENV.algorithms,
      `${AUTH_ENV.algorithms} must be a comma-separated list of ${JWKS_ALGORITHMS.join(', ')}${bad.length > 0 ? `; not allowed: ${bad.join(', ')}` : ''}.`,
    );
  }
  return Object.freeze([...new Set(list)]);
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** localhost, 127.0.0.0/8, ::1 and their IPv4-mapped forms; a URL hostname's IPv6 brackets are allowed. No DNS lookup. */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** One line for the start-up banner; never prints the secret. */
export function describeAuthConfig(config: AuthConfig): string {
  const source = config.keys.kind === 'secret' ? 'HS256 shared secret' : `JWKS ${config.keys.url.href}`;
  const claims = [config.issuer ? `iss=${config.issuer}` : null, config.audience ? `aud=${config.audience}` : null].filter(Boolean);
  return `${source}; algorithms ${config.algorithms.join(', ')}${claims.length > 0 ? `; ${claims.join(', ')}` : ''}`;
}

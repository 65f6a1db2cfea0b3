import { parseAuthConfig, type AuthConfig } from '../auth/config';
import { loadJose } from '../auth/jose';

/** The HS256 secret of the test servers; OTHER_SECRET plays an attacker's key. */
export const TEST_SECRET = 'agent-state-http-tests-secret-0123456789abcdef';
export const OTHER_SECRET = 'not-the-server-secret-but-just-as-long-0123456789';

export function testAuthConfig(env: Record<string, string> = {}): AuthConfig {
  return parseAuthConfig({ AUTH_JWT_SECRET: TEST_SECRET, ...env });
}

const now = () => Math.floor(Date.now() / 1000);

export interface TokenOptions {
  secret?: string;
  /** seconds since the epoch; null leaves exp out; default now + 10 min */
  exp?: number | null;
  /** extra claims (iss, aud, nbf, ... or a non-string sub) */
  claims?: Record<string, unknown>;
  alg?: 'HS256' | 'HS512';
}

/** An HS256 token for `sub` (undefined leaves sub out), signed with TEST_SECRET unless told otherwise. */
export async function signedToken(sub: unknown, options: TokenOptions = {}): Promise<string> {
  const jose = await loadJose();
  const exp = options.exp === undefined ? now() + 600 : options.exp;
  const claims: Record<string, unknown> = { ...(sub !== undefined ? { sub } : {}), iat: now(), ...(exp !== null ? { exp } : {}), ...options.claims };
  return new jose.SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(options.secret ?? TEST_SECRET));
}

export const tokenFor = (sub: string, options: TokenOptions = {}) => signedToken(sub, options);
/** expired a minute ago: well past the 5 s clock tolerance */
export const expiredToken = (sub: string) => signedToken(sub, { exp: now() - 60, claims: { iat: now() - 3600 } });
export const wrongKeyToken = (sub: string) => signedToken(sub, { secret: OTHER_SECRET });

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Crafted by hand, as an attacker would: header {"alg":"none"}, the payload, an empty signature. */
export function algNoneToken(sub: string): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub, iat: now(), exp: now() + 600 })}.`;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

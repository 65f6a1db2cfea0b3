import { testAuthConfig, TEST_SECRET } from '../testing/tokens';
import { parseAuthConfig } from './config';
import { DevTokenError, mintDevToken } from './devToken';
import { createTokenVerifier } from './verify';

async function refusal(promise: Promise<unknown>): Promise<DevTokenError> {
  const error = await promise.then(() => new Error('expected a DevTokenError'), (e: unknown) => e);
  if (error instanceof DevTokenError) return error;
  throw error;
}

describe('mintDevToken', () => {
  it('mints an HS256 token the server accepts, with the configured issuer and audience, valid for ttlSeconds', async () => {
    const config = testAuthConfig({ AUTH_JWT_ISSUER: 'dev', AUTH_JWT_AUDIENCE: 'agent-state' });
    const now = Math.floor(Date.now() / 1000);
    const token = await mintDevToken({ config, environment: 'development', userId: 'dev-temp-alice', ttlSeconds: 120, now });
    expect(await (await createTokenVerifier(config)).verify(token)).toEqual({ subject: 'dev-temp-alice', expiresAt: new Date((now + 120) * 1000) });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(payload).toEqual({ sub: 'dev-temp-alice', iat: now, exp: now + 120, iss: 'dev', aud: 'agent-state' });
    expect(await mintDevToken({ config, environment: 'test', userId: 'test-bob', ttlSeconds: 60 })).toMatch(/^eyJ/);
  });

  it('refuses outside development and test, without a secret, and for invalid ids', async () => {
    const config = testAuthConfig();
    for (const environment of ['production', 'staging', 'unknown'] as const) {
      expect(await refusal(mintDevToken({ config, environment, userId: 'dev-temp-a', ttlSeconds: 60 }))).toMatchObject({ code: 'DEV_TOKEN_NOT_DEVELOPMENT' });
    }
    const jwks = parseAuthConfig({ AUTH_JWKS_URL: 'https://id.example/jwks' });
    expect(await refusal(mintDevToken({ config: jwks, environment: 'development', userId: 'dev-temp-a', ttlSeconds: 60 }))).toMatchObject({ code: 'DEV_TOKEN_NEEDS_SECRET' });
    expect(await refusal(mintDevToken({ config, environment: 'development', userId: 'has space', ttlSeconds: 60 }))).toMatchObject({ code: 'DEV_TOKEN_INVALID_USER' });
    expect(TEST_SECRET.length).toBeGreaterThanOrEqual(32);
  });
});

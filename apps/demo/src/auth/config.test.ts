import { AUTH_ENV, CLOCK_TOLERANCE_SECONDS, describeAuthConfig, isLoopbackHostname, parseAuthConfig } from './config';
import { AuthConfigError } from './errors';

const SECRET = 's'.repeat(32);

function configError(env: Record<string, string | undefined>): AuthConfigError {
  try {
    parseAuthConfig(env);
  } catch (error) {
    if (error instanceof AuthConfigError) return error;
    throw error;
  }
  throw new Error('expected an AuthConfigError');
}

describe('parseAuthConfig', () => {
  it('AUTH_JWT_SECRET: HS256 only, the secret as UTF-8 bytes, small clock tolerance', () => {
    const config = parseAuthConfig({ AUTH_JWT_SECRET: SECRET });
    expect(config).toEqual({ keys: { kind: 'secret', secret: new TextEncoder().encode(SECRET) }, algorithms: ['HS256'], clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS });
    expect(CLOCK_TOLERANCE_SECONDS).toBeLessThanOrEqual(10);
  });

  it('AUTH_JWKS_URL: RS256 and ES256 by default, or the listed asymmetric algorithms', () => {
    expect(parseAuthConfig({ AUTH_JWKS_URL: 'https://id.example/.well-known/jwks.json' })).toEqual({
      keys: { kind: 'jwks', url: new URL('https://id.example/.well-known/jwks.json') },
      algorithms: ['RS256', 'ES256'],
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
    });
    expect(parseAuthConfig({ AUTH_JWKS_URL: 'https://id.example/jwks', AUTH_JWT_ALGORITHMS: ' PS256,EdDSA ,PS256' }).algorithms).toEqual(['PS256', 'EdDSA']);
  });

  it('optional issuer and audience, compared exactly', () => {
    expect(parseAuthConfig({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://id.example/', AUTH_JWT_AUDIENCE: 'agent-state' })).toMatchObject({ issuer: 'https://id.example/', audience: 'agent-state' });
    expect(configError({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_AUDIENCE: 'agent-state ' })).toMatchObject({ code: 'AUTH_CLAIM_OPTION_INVALID', variable: 'AUTH_JWT_AUDIENCE' });
  });

  it('refuses to start without keys, with both, or with a short secret', () => {
    expect(configError({})).toMatchObject({ code: 'AUTH_NOT_CONFIGURED', variable: AUTH_ENV.secret, message: expect.stringContaining('AUTH_JWKS_URL') });
    expect(configError({ AUTH_JWT_SECRET: '', AUTH_JWKS_URL: '' })).toMatchObject({ code: 'AUTH_NOT_CONFIGURED' });
    expect(configError({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://id.example/jwks' })).toMatchObject({ code: 'AUTH_CONFLICTING_KEYS' });
    expect(configError({ AUTH_JWT_SECRET: 's'.repeat(31) })).toMatchObject({ code: 'AUTH_SECRET_TOO_SHORT', message: 'AUTH_JWT_SECRET is 31 bytes; HS256 needs at least 32 (e.g. `openssl rand -base64 48`).' });
    // bytes, not characters
    expect(parseAuthConfig({ AUTH_JWT_SECRET: 'é'.repeat(16) }).keys).toMatchObject({ kind: 'secret' });
  });

  it('never allows none or HS* with a JWKS, nor algorithms with a secret', () => {
    for (const algorithms of ['none', 'HS256', 'RS256,none', ',', 'rs256']) {
      expect(configError({ AUTH_JWKS_URL: 'https://id.example/jwks', AUTH_JWT_ALGORITHMS: algorithms })).toMatchObject({ code: 'AUTH_ALGORITHMS_INVALID' });
    }
    expect(configError({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_ALGORITHMS: 'HS256' })).toMatchObject({ code: 'AUTH_ALGORITHMS_INVALID' });
  });

  it('fetches a JWKS over https, or over http from this machine only', () => {
    expect(parseAuthConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:8080/jwks' }).keys).toMatchObject({ kind: 'jwks' });
    expect(parseAuthConfig({ AUTH_JWKS_URL: 'http://localhost/jwks' }).keys).toMatchObject({ kind: 'jwks' });
    expect(parseAuthConfig({ AUTH_JWKS_URL: 'http://[::1]:1/jwks' }).keys).toMatchObject({ kind: 'jwks' });
    for (const url of ['http://id.example/jwks', 'http://10.0.0.5/jwks', 'ftp://id.example/jwks', 'file:///etc/jwks.json', 'not a url']) {
      expect(configError({ AUTH_JWKS_URL: url })).toMatchObject({ code: 'AUTH_JWKS_URL_INVALID', variable: 'AUTH_JWKS_URL' });
    }
  });

  it('describes itself without the secret', () => {
    expect(describeAuthConfig(parseAuthConfig({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_AUDIENCE: 'api' }))).toBe('HS256 shared secret; algorithms HS256; aud=api');
    expect(describeAuthConfig(parseAuthConfig({ AUTH_JWT_SECRET: SECRET }))).not.toContain(SECRET);
  });
});

describe('isLoopbackHostname', () => {
  it('is true for localhost, 127.0.0.0/8 and ::1 (also IPv4-mapped), false otherwise', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1', '[::ffff:7f00:1]']) expect([host, isLoopbackHostname(host)]).toEqual([host, true]);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', 'localhost.example.com', '128.0.0.1', '127.0.0.256', '']) expect([host, isLoopbackHostname(host)]).toEqual([host, false]);
  });
});

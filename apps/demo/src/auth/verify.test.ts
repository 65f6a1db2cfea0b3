import { algNoneToken, expiredToken, signedToken, testAuthConfig, tokenFor, wrongKeyToken } from '../testing/tokens';
import { AuthenticationError, AuthUnavailableError } from './errors';
import { classifyVerifyError, createTokenVerifier, type TokenVerifier } from './verify';

async function rejection(verifier: TokenVerifier, token: string): Promise<AuthenticationError> {
  const error: unknown = await verifier.verify(token).then(
    () => new Error('expected the token to be refused'),
    (e: unknown) => e,
  );
  if (error instanceof AuthenticationError) return error;
  throw error;
}

const now = () => Math.floor(Date.now() / 1000);

describe('createTokenVerifier (HS256 secret)', () => {
  let verifier: TokenVerifier;
  beforeAll(async () => {
    verifier = await createTokenVerifier(testAuthConfig());
  });

  it('accepts a token signed with the secret and returns its subject and expiry', async () => {
    const exp = now() + 300;
    expect(await verifier.verify(await tokenFor('dev-temp-alice', { exp }))).toEqual({ subject: 'dev-temp-alice', expiresAt: new Date(exp * 1000) });
  });

  it('refuses expired tokens (beyond the 5 s tolerance), accepts within it', async () => {
    expect(await rejection(verifier, await expiredToken('u'))).toMatchObject({ code: 'INVALID_TOKEN', reason: 'expired', message: 'The token has expired.' });
    expect(await verifier.verify(await signedToken('u', { exp: now() - 2 }))).toMatchObject({ subject: 'u' });
    expect(await rejection(verifier, await signedToken('u', { claims: { nbf: now() + 120 } }))).toMatchObject({ reason: 'not-yet-valid' });
  });

  it('refuses another key, alg none, another HMAC algorithm, and garbage', async () => {
    expect(await rejection(verifier, await wrongKeyToken('u'))).toMatchObject({ reason: 'bad-signature' });
    expect(await rejection(verifier, algNoneToken('u'))).toMatchObject({ reason: 'alg-not-allowed' });
    // the right secret, but an algorithm that is not on the list
    expect(await rejection(verifier, await signedToken('u', { alg: 'HS512' }))).toMatchObject({ reason: 'alg-not-allowed' });
    const valid = await tokenFor('u');
    const [header, payload] = valid.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'someone-else', exp: now() + 600 })).toString('base64url')}.${valid.split('.')[2]}`;
    expect(await rejection(verifier, forged)).toMatchObject({ reason: 'bad-signature' });
    expect(await rejection(verifier, `${header}.${payload}`)).toMatchObject({ reason: 'malformed-token' });
    expect(await rejection(verifier, 'a.b.c')).toMatchObject({ reason: 'malformed-token' });
  });

  it('requires sub (a non-empty string) and exp', async () => {
    expect(await rejection(verifier, await signedToken(undefined))).toMatchObject({ reason: 'claims', message: 'The token\'s "sub" claim is missing or not accepted.' });
    expect(await rejection(verifier, await signedToken('u', { exp: null }))).toMatchObject({ reason: 'claims', message: expect.stringContaining('"exp"') });
    expect(await rejection(verifier, await signedToken(42))).toMatchObject({ reason: 'claims' });
    expect(await rejection(verifier, await signedToken(''))).toMatchObject({ reason: 'claims' });
  });

  it('checks issuer and audience when configured', async () => {
    const strict = await createTokenVerifier(testAuthConfig({ AUTH_JWT_ISSUER: 'https://id.example/', AUTH_JWT_AUDIENCE: 'agent-state' }));
    const claims = { iss: 'https://id.example/', aud: 'agent-state' };
    expect(await strict.verify(await signedToken('u', { claims }))).toMatchObject({ subject: 'u' });
    expect(await strict.verify(await signedToken('u', { claims: { ...claims, aud: ['other', 'agent-state'] } }))).toMatchObject({ subject: 'u' });
    expect(await rejection(strict, await signedToken('u', { claims: { ...claims, iss: 'https://evil.example/' } }))).toMatchObject({ reason: 'claims', message: expect.stringContaining('"iss"') });
    expect(await rejection(strict, await signedToken('u', { claims: { ...claims, aud: 'other' } }))).toMatchObject({ reason: 'claims', message: expect.stringContaining('"aud"') });
    expect(await rejection(strict, await signedToken('u', { claims: { iss: claims.iss } }))).toMatchObject({ reason: 'claims' });
  });
});

describe('classifyVerifyError', () => {
  it('fails closed: anything unrecognised is an INVALID_TOKEN, our own errors pass through', () => {
    expect(classifyVerifyError(new TypeError('boom'))).toMatchObject({ code: 'INVALID_TOKEN', reason: 'malformed-token' });
    expect(classifyVerifyError(null)).toBeInstanceOf(AuthenticationError);
    const unavailable = new AuthUnavailableError('down');
    expect(classifyVerifyError(unavailable)).toBe(unavailable);
  });
});

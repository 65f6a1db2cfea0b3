import { bearerToken, MAX_TOKEN_LENGTH } from './bearer';
import { AuthenticationError } from './errors';

function rejection(header: string | undefined): AuthenticationError {
  try {
    bearerToken(header);
  } catch (error) {
    if (error instanceof AuthenticationError) return error;
    throw error;
  }
  throw new Error('expected an AuthenticationError');
}

describe('bearerToken', () => {
  it('returns the token of "Bearer <token>" (scheme case-insensitive)', () => {
    expect(bearerToken('Bearer aaa.bbb.ccc')).toBe('aaa.bbb.ccc');
    expect(bearerToken('bearer aaa.bbb.')).toBe('aaa.bbb.');
    expect(bearerToken('BEARER  a-b_c.d~e+f/g==')).toBe('a-b_c.d~e+f/g==');
  });

  it('no header is UNAUTHENTICATED; anything else malformed is INVALID_TOKEN', () => {
    expect(rejection(undefined)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'missing' });
    expect(rejection('')).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'missing' });
    for (const header of ['Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Token abc', 'Bearer a b', 'Bearer a"b', 'Bearerabc', 'Bearer =abc']) {
      expect([header, rejection(header)]).toEqual([header, expect.objectContaining({ code: 'INVALID_TOKEN', reason: 'malformed-header' })]);
    }
    expect(rejection(`Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`)).toMatchObject({ code: 'INVALID_TOKEN', message: expect.stringContaining('over 8192') });
  });
});

import { AuthenticationError } from './errors';

/** Longer tokens are refused before any parsing or crypto (ours are a few hundred bytes). */
export const MAX_TOKEN_LENGTH = 8192;

// RFC 6750 b64token; a JWT's base64url segments and dots fit it (so does `alg: none`'s empty signature: jose decides).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The token of an `Authorization: Bearer <token>` header. Pure; throws AuthenticationError (401). */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw new AuthenticationError('missing', 'This API needs an "Authorization: Bearer <token>" header.');
  if (header.length > MAX_TOKEN_LENGTH + 'Bearer '.length) throw new AuthenticationError('malformed-header', `The Authorization header is over ${MAX_TOKEN_LENGTH} characters.`);
  const token = BEARER.exec(header)?.[1];
  if (token === undefined) throw new AuthenticationError('malformed-header', 'The Authorization header must be "Bearer <token>".');
  return token;
}

import { ConcurrentWriteError, DatabaseUnavailableError, InvalidCursorError, PersistenceFailedError, ProvisioningRefusedError, StateTooLargeError, UnknownUserError } from '@agentstate/state-persistence';
import { AuthenticationError, AuthUnavailableError, ForbiddenError } from './auth/errors';
import { HttpError, STATUS_BY_CODE, toHttpError } from './httpErrors';

describe('toHttpError', () => {
  it('maps service errors by code, keeping their message', () => {
    const cases: Array<[Error, number, string]> = [
      [new InvalidCursorError('bad'), 400, 'INVALID_CURSOR'],
      [new ProvisioningRefusedError('dev-temp-x', 'DEV_ID_IN_PRODUCTION', 'no'), 403, 'PROVISIONING_REFUSED'],
      [new UnknownUserError('u', 'NO_AUTO_CREATE_RULE', 'no'), 404, 'UNKNOWN_USER'],
      [new ConcurrentWriteError('t', null, null), 409, 'CONCURRENT_WRITE'],
      [new StateTooLargeError('state', 10, 5), 413, 'STATE_TOO_LARGE'],
    ];
    for (const [error, status, code] of cases) {
      expect(toHttpError(error)).toMatchObject({ status, code, message: error.message });
    }
  });

  it('hides 5xx details (hosts, SQL) behind a generic message', () => {
    const unavailable = toHttpError(new DatabaseUnavailableError(new Error('connect ECONNREFUSED 10.0.0.7:5432')));
    expect(unavailable).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE', headers: { 'Retry-After': '1' } });
    expect(unavailable.message).not.toContain('10.0.0.7');
    const failed = toHttpError(new PersistenceFailedError('saveSnapshot', new Error('relation "x" does not exist')));
    expect(failed).toMatchObject({ status: 500, code: 'PERSISTENCE_FAILED', message: 'The server failed to complete the operation; the details are in the server log.' });
  });

  it('turns anything else into 500 INTERNAL_ERROR, and passes HttpErrors through', () => {
    expect(toHttpError(new TypeError('x is undefined'))).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(toHttpError(Object.assign(new Error('looks like one'), { code: 'P2002' }))).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    const own = new HttpError(405, 'METHOD_NOT_ALLOWED', 'no');
    expect(toHttpError(own)).toBe(own);
  });

  it('maps every service code to the documented status', () => {
    expect(STATUS_BY_CODE).toEqual({
      INVALID_INPUT: 400, MISSING_OWNER: 400, STATE_NOT_SERIALIZABLE: 400, INVALID_CURSOR: 400,
      PROVISIONING_REFUSED: 403,
      UNKNOWN_USER: 404, UNKNOWN_REFERENCE: 404, SNAPSHOT_NOT_FOUND: 404,
      CONCURRENT_WRITE: 409,
      IDEMPOTENCY_CONFLICT: 422,
      STATE_TOO_LARGE: 413,
      REFERENCE_RULE_MISSING: 500, PERSISTENCE_FAILED: 500,
      DATABASE_UNAVAILABLE: 503, THREAD_BUSY: 503,
    });
  });

  it('maps authentication: 401 with an RFC 6750 challenge, 403 FORBIDDEN, 503 AUTH_UNAVAILABLE', () => {
    expect(toHttpError(new AuthenticationError('missing', 'no token'))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', headers: { 'WWW-Authenticate': 'Bearer realm="agent-state"' } });
    expect(toHttpError(new AuthenticationError('claims', 'The token\'s "sub" claim is missing'))).toMatchObject({
      status: 401,
      code: 'INVALID_TOKEN',
      // no '"' inside error_description
      headers: { 'WWW-Authenticate': 'Bearer realm="agent-state", error="invalid_token", error_description="The token\'s \'sub\' claim is missing"' },
    });
    expect(toHttpError(new ForbiddenError('not yours'))).toMatchObject({ status: 403, code: 'FORBIDDEN', message: 'not yours' });
    expect(toHttpError(new AuthUnavailableError('keys down'))).toMatchObject({ status: 503, code: 'AUTH_UNAVAILABLE', headers: { 'Retry-After': '5' } });
  });
});

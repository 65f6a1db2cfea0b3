import { foreignKeyViolation, toPersistenceError } from './databaseErrors';
import { DatabaseUnavailableError, InvalidInputError, PersistenceFailedError } from './errors';

const adapterError = (cause: Record<string, unknown>, code = 'P2010') => Object.assign(new Error('Raw query failed'), { code, meta: { driverAdapterError: { cause } } });

describe('reading database errors', () => {
  it('finds the violated foreign key constraint of a raw query (P2010 under driver adapters)', () => {
    const error = adapterError({ kind: 'ForeignKeyConstraintViolation', originalCode: '23503', constraint: { index: 'agent_state_snapshots_user_id_fkey' } });
    expect(foreignKeyViolation(error)).toEqual({ constraint: 'agent_state_snapshots_user_id_fkey' });
    expect(foreignKeyViolation(adapterError({ kind: 'UniqueConstraintViolation', originalCode: '23505' }))).toBeNull();
  });

  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5999'), { code: 'ECONNREFUSED' }), false],
    ['server starting up', adapterError({ originalCode: '57P03', originalMessage: 'the database system is starting up' }), false],
    ['pool timeout', Object.assign(new Error('timeout exceeded when trying to connect'), {}), false],
    ['connection terminated mid-query', new Error('Connection terminated unexpectedly'), true],
    ['admin shutdown mid-query', adapterError({ originalCode: '57P01', originalMessage: 'terminating connection due to administrator command' }), true],
  ])('%s -> retryable DATABASE_UNAVAILABLE, mayHaveBeenApplied for writes: %s', (_name, error, inDoubt) => {
    const write = toPersistenceError('saveSnapshot', error, 'write');
    expect(write).toBeInstanceOf(DatabaseUnavailableError);
    expect(write).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryable: true, mayHaveBeenApplied: inDoubt });
    expect(write.message).toMatch(inDoubt ? /may or may not have been applied/ : /was not applied/);
    expect(toPersistenceError('getLatest', error, 'read')).toMatchObject({ mayHaveBeenApplied: false });
  });

  it('wraps anything else as PERSISTENCE_FAILED and passes our own errors through', () => {
    expect(toPersistenceError('x', new Error('boom'))).toBeInstanceOf(PersistenceFailedError);
    const ours = new InvalidInputError('userId', 'bad');
    expect(toPersistenceError('x', ours)).toBe(ours);
  });
});

import { DatabaseUnavailableError, PersistenceFailedError, ThreadBusyError } from './errors';
import { DEFAULT_RETRY, isRetryable, resolveRetry, retryDelayMs, withRetries } from './retries';

const lost = () => new DatabaseUnavailableError(new Error('Connection terminated unexpectedly'), { mayHaveBeenApplied: true });
const noSleep = async () => undefined;

describe('built-in retry', () => {
  it('retries only idempotent writes, and only unavailable databases and busy threads', () => {
    expect(isRetryable(lost(), true)).toBe(true);
    expect(isRetryable(new ThreadBusyError('t', 10), true)).toBe(true);
    // without an identity an ambiguous failure goes back to the caller, never retried silently
    expect(isRetryable(lost(), false)).toBe(false);
    expect(isRetryable(new ThreadBusyError('t', 10), false)).toBe(false);
    expect(isRetryable(new PersistenceFailedError('save', new Error('boom')), true)).toBe(false);
    expect(isRetryable(new Error('Connection terminated'), true)).toBe(false);
  });

  it('waits a random time up to an exponential, capped bound', () => {
    const options = { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 300 };
    expect([2, 3, 4, 5, 6].map((next) => retryDelayMs(next, options, () => 0.999999))).toEqual([49, 99, 199, 299, 299]);
    expect(retryDelayMs(3, options, () => 0)).toBe(0);
  });

  it('stops at maxAttempts, reports the attempts, and gives up at once on errors it may not retry', async () => {
    let calls = 0;
    const slept: number[] = [];
    const error = await withRetries(
      { ...DEFAULT_RETRY, maxAttempts: 3 },
      true,
      async () => {
        calls++;
        throw lost();
      },
      undefined,
      async (ms) => void slept.push(ms),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error).toMatchObject({ attempts: 3 });
    expect(calls).toBe(3);
    expect(slept).toHaveLength(2);

    calls = 0;
    await expect(withRetries(DEFAULT_RETRY, false, async () => (calls++, Promise.reject(lost())), undefined, noSleep)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(calls).toBe(1);

    const retried: unknown[] = [];
    const result = await withRetries(DEFAULT_RETRY, true, async (n) => (n < 3 ? Promise.reject(lost()) : 'ok'), (e) => retried.push(e), noSleep);
    expect(result).toEqual({ value: 'ok', attempts: 3 });
    expect(retried).toHaveLength(2);
  });

  it('checks its options: false is one attempt, nonsense fails at start-up', () => {
    expect(resolveRetry(false).maxAttempts).toBe(1);
    expect(resolveRetry(undefined)).toEqual(DEFAULT_RETRY);
    expect(() => resolveRetry({ maxAttempts: 0 })).toThrow(RangeError);
    expect(() => resolveRetry({ baseDelayMs: Number.NaN })).toThrow(RangeError);
    expect(() => resolveRetry({ maxAttemps: 3 } as never)).toThrow(/unknown retry option/);
  });
});

/**
 * Built-in retry of idempotent writes. A write may be tried again by the
 * library only when a second attempt cannot store it twice: the caller gave
 * it an identity (a snapshot id, a checkpoint id) that the statement turns
 * into "already stored: replay" instead of a second row. Without one, an
 * ambiguous failure (DatabaseUnavailableError with mayHaveBeenApplied) is the
 * caller's to resolve, so nothing is retried silently.
 *
 * Retried: DatabaseUnavailableError (lost or refused connections, a server
 * restarting, too many connections: 53300) and ThreadBusyError. Nothing
 * else: a typed refusal, a conflict or bad input comes out the same way on
 * every attempt. Backoff is exponential with full jitter (a random wait up to
 * the bound), so writers cut off together do not come back together.
 */
import { DatabaseUnavailableError, StatePersistenceError, ThreadBusyError } from './errors';

export interface RetryOptions {
  /** attempts in all, first included (default 4; 1 turns retries off) */
  maxAttempts?: number;
  /** the bound of the first wait, doubled per retry (default 50 ms) */
  baseDelayMs?: number;
  /** the largest bound (default 2000 ms) */
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 2_000 };

/** The library's own retry setting: false turns it off (each error reaches the caller at once). */
export type RetrySetting = false | RetryOptions | undefined;

export function resolveRetry(setting: RetrySetting): Required<RetryOptions> {
  if (setting === false) return { ...DEFAULT_RETRY, maxAttempts: 1 };
  const unknown = Object.keys(setting ?? {}).filter((key) => !(key in DEFAULT_RETRY));
  if (unknown.length > 0) throw new RangeError(`unknown retry option(s) ${unknown.join(', ')}; expected ${Object.keys(DEFAULT_RETRY).join(', ')}`);
  const resolved = { ...DEFAULT_RETRY, ...(setting ?? {}) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < (name === 'maxAttempts' ? 1 : 0) || value > 60_000) {
      throw new RangeError(`retry.${name} must be an integer between ${name === 'maxAttempts' ? 1 : 0} and 60000, got ${String(value)}`);
    }
  }
  return resolved;
}

/** Whether an error may be retried, for a write that can (idempotent) or cannot be stored twice. */
export function isRetryable(error: unknown, idempotent: boolean): boolean {
  if (!idempotent) return false;
  return error instanceof DatabaseUnavailableError || error instanceof ThreadBusyError;
}

/** The wait before attempt `next` (2, 3, …): full jitter up to base·2^(next-2), capped. */
export function retryDelayMs(next: number, options: Required<RetryOptions>, random: () => number = Math.random): number {
  const bound = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (next - 2));
  return Math.floor(random() * bound);
}

export interface Retried<T> {
  value: T;
  /** attempts made, the successful one included */
  attempts: number;
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable,
 * or has been tried maxAttempts times (then the last error is thrown, with
 * `attempts` set on it). `onRetry` sees each error retried.
 */
export async function withRetries<T>(
  options: Required<RetryOptions>,
  idempotent: boolean,
  attempt: (attemptNumber: number) => Promise<T>,
  onRetry: (error: unknown) => void = () => undefined,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<Retried<T>> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return { value: await attempt(attemptNumber), attempts: attemptNumber };
    } catch (error) {
      if (attemptNumber >= options.maxAttempts || !isRetryable(error, idempotent)) {
        if (error instanceof StatePersistenceError && attemptNumber > 1) error.attempts = attemptNumber;
        throw error;
      }
      onRetry(error);
      await sleep(retryDelayMs(attemptNumber + 1, options));
    }
  }
}

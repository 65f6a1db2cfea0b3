/**
 * Every error the library throws (any door) is a StatePersistenceError with a
 * stable `code` (for programs) and a message that says what happened and how
 * to fix it (for people). Raw Prisma/driver errors never escape. The codes are
 * the whole library's, one list, so a caller maps them in one place; the
 * classes here are the ones the write path and more than one door throw.
 */
export type StatePersistenceErrorCode =
  | 'INVALID_INPUT'
  | 'MISSING_OWNER'
  | 'UNKNOWN_USER'
  | 'UNKNOWN_REFERENCE'
  | 'REFERENCE_RULE_MISSING'
  | 'PROVISIONING_REFUSED'
  | 'STATE_NOT_SERIALIZABLE'
  | 'STATE_TOO_LARGE'
  | 'CONCURRENT_WRITE'
  | 'IDEMPOTENCY_CONFLICT'
  | 'THREAD_BUSY'
  | 'SNAPSHOT_NOT_FOUND'
  | 'INVALID_CURSOR'
  | 'DATABASE_UNAVAILABLE'
  | 'PERSISTENCE_FAILED';

export class StatePersistenceError extends Error {
  /** true when the same call may succeed if simply tried again later */
  readonly retryable: boolean = false;
  /** how many times the library tried the call (its built-in retry of idempotent saves), when it tried more than once */
  attempts?: number;
  constructor(
    readonly code: StatePersistenceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument is missing, of the wrong type, or malformed. Nothing was written. */
export class InvalidInputError extends StatePersistenceError {
  constructor(
    readonly field: string,
    message: string,
    /** the policy's or validator's reason code, e.g. INVALID_ID_WHITESPACE */
    readonly reasonCode: string = 'INVALID_INPUT',
  ) {
    super('INVALID_INPUT', `Invalid ${field}: ${message}`);
  }
}

/** The snapshot names a user that has no row, and the policy does not allow creating it. */
export class UnknownUserError extends StatePersistenceError {
  constructor(
    readonly userId: string,
    /** why the policy did not create it (reason code) */
    readonly reasonCode: string,
    reason: string,
  ) {
    super(
      'UNKNOWN_USER',
      `User "${userId}" does not exist in userbase, so the snapshot was not saved. ${reason} ` +
        'Create the user first, or use a dev/test id (dev-temp-…, test-…) in a development or test environment.',
    );
  }
}

/** A write references a row (other than the user) that does not exist and could not be created under its rule. */
export class UnknownReferenceError extends StatePersistenceError {
  constructor(
    readonly model: string,
    readonly key: string,
    /**
     * the reference rule of `model`: 'must-exist', or 'create-on-first-use' when what it needs was missing;
     * 'not-created-by-this-write' when the write (an update, a connect) references a row it never creates
     */
    readonly rule: 'must-exist' | 'create-on-first-use' | 'not-created-by-this-write' = 'must-exist',
  ) {
    super(
      'UNKNOWN_REFERENCE',
      rule === 'must-exist'
        ? `${model} "${key}" does not exist, and its rule (must-exist) says it must exist before rows reference it. Create it first.`
        : rule === 'create-on-first-use'
          ? `${model} "${key}" does not exist and could not be created on first use (a row it depends on is missing).`
          : `${model} "${key}" does not exist, and this write (an update or a connect) never creates it. Create it first. Nothing was written.`,
    );
  }
}

/** The policy refused this id outright (e.g. a dev/test-looking id in production). */
export class ProvisioningRefusedError extends StatePersistenceError {
  constructor(
    readonly subjectId: string,
    readonly reasonCode: string,
    reason: string,
  ) {
    super('PROVISIONING_REFUSED', `Refused to save a snapshot for user "${subjectId}": ${reason}`);
  }
}

/** The state (or metadata) holds something that cannot be stored and read back exactly. */
export class StateNotSerializableError extends StatePersistenceError {
  constructor(
    /** where in the value, e.g. `state.steps[2].callback` */
    readonly path: string,
    problem: string,
  ) {
    super('STATE_NOT_SERIALIZABLE', `${path} cannot be stored: ${problem}`);
  }
}

/** expectedParentId was not the thread's latest snapshot any more: another writer got there first. Nothing was written. */
export class ConcurrentWriteError extends StatePersistenceError {
  constructor(
    readonly threadId: string,
    readonly expectedParentId: string | null,
    readonly actualLatestId: string | null,
  ) {
    super(
      'CONCURRENT_WRITE',
      `Thread "${threadId}" moved on: expected latest snapshot ${expectedParentId ?? '(none: empty thread)'}, found ${actualLatestId ?? '(none)'}. ` +
        'Reload the latest snapshot, merge, and save again with the new expectedParentId.',
    );
  }
}

/**
 * An idempotent save's id was already used by a different save: other
 * content, or another user or thread. Nothing was written. The message never
 * says which, nor anything about the stored row (it may be another user's).
 */
export class IdempotencyConflictError extends StatePersistenceError {
  constructor(readonly id: string) {
    super(
      'IDEMPOTENCY_CONFLICT',
      `The id ${id} was already used by a different save (other content, or another user or thread). Nothing was written. ` +
        'A retry must send exactly the same save; a new save needs a new id.',
    );
  }
}

/**
 * A write that takes the thread's lock (an expectedParentId save, a LangGraph
 * forkPolicy 'reject' put) did not get its turn, a pool connection and the
 * lock within threadLockTimeoutMs. Nothing was written; retry (the thread is
 * busy, not wrong).
 */
export class ThreadBusyError extends StatePersistenceError {
  override readonly retryable = true;
  constructor(
    readonly threadId: string,
    readonly waitedMs: number,
  ) {
    super('THREAD_BUSY', `Thread "${threadId}" is busy: its other writers (or a full connection pool) kept this write waiting for more than ${waitedMs} ms. Nothing was written; retry later.`);
  }
}

/**
 * The database could not be reached or dropped the connection. Retryable.
 * `mayHaveBeenApplied` is false when the connection was never made (nothing
 * happened), true when it broke while a write was in flight: the commit may
 * have happened before the reply was lost, so check before retrying a write
 * (a save with expectedParentId is safe to retry: it cannot apply twice).
 */
export class DatabaseUnavailableError extends StatePersistenceError {
  override readonly retryable = true;
  readonly mayHaveBeenApplied: boolean;
  constructor(cause: unknown, options: { mayHaveBeenApplied?: boolean } = {}) {
    const mayHaveBeenApplied = options.mayHaveBeenApplied ?? false;
    super(
      'DATABASE_UNAVAILABLE',
      mayHaveBeenApplied
        ? `The database is unavailable (the connection broke during the operation: ${describeCause(cause)}). The write may or may not have been applied; check (getLatest/getSnapshot) before you retry it.`
        : `The database is unavailable (${describeCause(cause)}). The operation was not applied; retry later.`,
      { cause },
    );
    this.mayHaveBeenApplied = mayHaveBeenApplied;
  }
}

/** An unexpected database error, wrapped so callers can rely on `code`. */
export class PersistenceFailedError extends StatePersistenceError {
  constructor(operation: string, cause: unknown) {
    super('PERSISTENCE_FAILED', `${operation} failed: ${describeCause(cause)}`, { cause });
  }
}

function describeCause(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

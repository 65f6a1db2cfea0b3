/**
 * Reading Prisma/driver errors. Under driver adapters the useful details sit
 * in `meta.driverAdapterError.cause` ({ kind, originalCode, constraint }), and
 * raw queries report constraint failures as P2010: match on those, defensively.
 */
import { DatabaseUnavailableError, PersistenceFailedError, StatePersistenceError } from './errors';

interface AdapterCause {
  kind?: string;
  originalCode?: string;
  originalMessage?: string;
  constraint?: { index?: string; fields?: string[] };
}

function adapterCause(error: unknown): AdapterCause | undefined {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: AdapterCause } } } | undefined)?.meta;
  return meta?.driverAdapterError?.cause;
}

function prismaCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The violated foreign key constraint's name, when `error` is a foreign key violation. */
export function foreignKeyViolation(error: unknown): { constraint: string } | null {
  const cause = adapterCause(error);
  const code = prismaCode(error);
  if (cause?.kind === 'ForeignKeyConstraintViolation' || cause?.originalCode === '23503' || code === 'P2003' || code === '23503') {
    // Prisma under driver adapters: meta.driverAdapterError.cause.constraint; pg itself: error.constraint.
    const fromMeta = (error as { meta?: { constraint?: unknown; field_name?: unknown } }).meta;
    const fromPg = (error as { constraint?: unknown }).constraint;
    const name = cause?.constraint?.index ?? fromPg ?? fromMeta?.constraint ?? fromMeta?.field_name ?? '';
    return { constraint: String(name) };
  }
  return null;
}

/** A unique violation (23505, Prisma P2002), e.g. a primary key two writers chose at once. */
export function uniqueViolation(error: unknown): boolean {
  const cause = adapterCause(error);
  const code = prismaCode(error);
  return cause?.kind === 'UniqueConstraintViolation' || cause?.originalCode === '23505' || code === 'P2002' || code === '23505';
}

interface ErrorPattern {
  codes: Set<string>;
  kinds: Set<string>;
  message: RegExp;
}

/** Whether `error`, its adapter cause, or any error in its `cause` chain matches the pattern. */
function matches(error: unknown, pattern: ErrorPattern, depth = 0): boolean {
  if (error == null || depth > 4) return false;
  if ((error as { name?: unknown }).name === 'PrismaClientInitializationError') return true;
  const code = prismaCode(error);
  const cause = adapterCause(error);
  const message = (error as { message?: unknown }).message;
  if (code && pattern.codes.has(code)) return true;
  if (cause?.kind && pattern.kinds.has(cause.kind)) return true;
  if (cause?.originalCode && pattern.codes.has(cause.originalCode)) return true;
  if (typeof message === 'string' && pattern.message.test(message)) return true;
  return matches((error as { cause?: unknown }).cause, pattern, depth + 1);
}

// PostgreSQL SQLSTATEs: connection exceptions (08xxx), operator intervention (57P01-57P03).
const SQLSTATE_UNAVAILABLE = ['08000', '08001', '08003', '08004', '08006', '08007', '08P01', '57P01', '57P02', '57P03'];

// 53300 too_many_connections: the server (or a pooler) refused the connection; nothing ran.
const UNAVAILABLE: ErrorPattern = {
  codes: new Set(['53300', 'P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', ...SQLSTATE_UNAVAILABLE]),
  kinds: new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionAlreadyClosed']),
  message:
    /Connection terminated|connection (is )?closed|Can't reach database|server closed the connection|terminating connection|the database system is (starting up|shutting down)|timeout exceeded when trying to connect|Client has encountered a connection error/i,
};

// Failures that happen before a statement is sent: nothing can have been applied.
const NEVER_CONNECTED: ErrorPattern = {
  codes: new Set(['53300', 'P1001', 'P2024', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', '57P03', '08001', '08004']),
  kinds: new Set(['DatabaseNotReachable', 'TooManyConnections']),
  message: /ECONNREFUSED|Can't reach database|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|too many clients/i,
};

/** Whether the error means "the database is not there right now" rather than "this request is wrong". */
export function isUnavailable(error: unknown): boolean {
  return matches(error, UNAVAILABLE);
}

/** Whether the failure happened before the operation reached the database. */
export function neverConnected(error: unknown): boolean {
  return matches(error, NEVER_CONNECTED);
}

/**
 * Turns anything thrown by Prisma into one of our typed errors (ours pass
 * through unchanged). For writes, a connection lost mid-operation is "may
 * have been applied"; reads are always safe to retry.
 */
export function toPersistenceError(operation: string, error: unknown, kind: 'read' | 'write' = 'read'): StatePersistenceError {
  if (error instanceof StatePersistenceError) return error;
  if (isUnavailable(error)) return new DatabaseUnavailableError(error, { mayHaveBeenApplied: kind === 'write' && !neverConnected(error) });
  return new PersistenceFailedError(operation, error);
}

/** Runs a database operation, turning whatever it throws into our typed errors. */
export async function runDatabase<T>(operation: string, action: () => Promise<T>, kind: 'read' | 'write' = 'read'): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw toPersistenceError(operation, error, kind);
  }
}

/** Deletions: a lost connection may have applied them (retrying them is harmless). */
export function runDatabaseWrite<T>(operation: string, action: () => Promise<T>): Promise<T> {
  return runDatabase(operation, action, 'write');
}

/** PostgreSQL's lock_not_available (55P03): lock_timeout expired. */
export function lockTimedOut(error: unknown): boolean {
  const e = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } }; message?: unknown };
  return e?.code === '55P03' || e?.meta?.driverAdapterError?.cause?.originalCode === '55P03' || /lock timeout/i.test(String(e?.message ?? ''));
}

/** Prisma's interactive transaction got no pool connection within maxWait (P2028). */
export function transactionStartTimedOut(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === 'P2028' && /unable to start a transaction in the given time/i.test(String(e?.message ?? ''));
}

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
  if (cause?.kind === 'ForeignKeyConstraintViolation' || cause?.originalCode === '23503' || prismaCode(error) === 'P2003') {
    const fromMeta = (error as { meta?: { constraint?: unknown; field_name?: unknown } }).meta;
    const name = cause?.constraint?.index ?? fromMeta?.constraint ?? fromMeta?.field_name ?? '';
    return { constraint: String(name) };
  }
  return null;
}

export function uniqueViolation(error: unknown): boolean {
  const cause = adapterCause(error);
  return cause?.kind === 'UniqueConstraintViolation' || cause?.originalCode === '23505' || prismaCode(error) === 'P2002';
}

const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const UNAVAILABLE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionAlreadyClosed']);
// PostgreSQL SQLSTATEs: connection exceptions (08xxx), operator intervention (57P01-57P03).
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3])/;
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGE = /Connection terminated|connection (is )?closed|Can't reach database|server closed the connection|terminating connection|the database system is (starting up|shutting down)|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/** Whether the error means "the database is not there right now" rather than "this request is wrong". */
export function isUnavailable(error: unknown, depth = 0): boolean {
  if (error == null || depth > 4) return false;
  const name = (error as { name?: unknown }).name;
  if (name === 'PrismaClientInitializationError') return true;
  const code = prismaCode(error);
  if (code && (UNAVAILABLE_PRISMA_CODES.has(code) || UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  const cause = adapterCause(error);
  if (cause?.kind && UNAVAILABLE_ADAPTER_KINDS.has(cause.kind)) return true;
  if (cause?.originalCode && UNAVAILABLE_SQLSTATE.test(cause.originalCode)) return true;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  return isUnavailable((error as { cause?: unknown }).cause, depth + 1);
}

// Failures that happen before a statement is sent: nothing can have been applied.
const NEVER_CONNECTED_CODES = new Set(['P1001', 'P2024', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', '57P03', '08001', '08004']);
const NEVER_CONNECTED_KINDS = new Set(['DatabaseNotReachable', 'TooManyConnections']);
const NEVER_CONNECTED_MESSAGE = /ECONNREFUSED|Can't reach database|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|too many clients/i;

/** Whether the failure happened before the operation reached the database. */
export function neverConnected(error: unknown, depth = 0): boolean {
  if (error == null || depth > 4) return false;
  if ((error as { name?: unknown }).name === 'PrismaClientInitializationError') return true;
  const code = prismaCode(error);
  if (code && NEVER_CONNECTED_CODES.has(code)) return true;
  const cause = adapterCause(error);
  if (cause?.kind && NEVER_CONNECTED_KINDS.has(cause.kind)) return true;
  if (cause?.originalCode && NEVER_CONNECTED_CODES.has(cause.originalCode)) return true;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && NEVER_CONNECTED_MESSAGE.test(message)) return true;
  return neverConnected((error as { cause?: unknown }).cause, depth + 1);
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

/**
 * Where the ensure statement runs relative to the caller's transaction.
 *
 * Prisma gives query extensions no public way to know about a transaction
 * (prisma/orm#20789). Its runtime passes the request's parameters to every
 * query hook as `__internalParams`; their `transaction` is the one the write
 * runs in: `{ kind: 'itx', id }` inside `$transaction(async (tx) => …)`,
 * `{ kind: 'batch', … }` inside `$transaction([…])`. A PrismaPromise can be
 * sent in a given transaction with `requestTransaction`, the method Prisma's
 * own `$transaction` uses. Both are read defensively: when absent the write
 * is treated as outside any transaction.
 */
import type { Prisma } from '@agentstate/db';
import type { Queryable } from '@agentstate/write-path';
import { TransactionNotJoinableError } from './errors';

/** `batch`: the object every operation of one `$transaction([...])` shares (its lock). */
export type CallerTransaction = { kind: 'itx'; handle: unknown } | { kind: 'batch'; batch: object } | null;

/** The caller's transaction, from a query hook's parameters. */
export function callerTransaction(hookParams: unknown): CallerTransaction {
  const transaction = (hookParams as { __internalParams?: { transaction?: { kind?: unknown; lock?: unknown } } } | undefined)?.__internalParams?.transaction;
  if (transaction?.kind === 'itx') return { kind: 'itx', handle: transaction };
  if (transaction?.kind === 'batch') return { kind: 'batch', batch: typeof transaction.lock === 'object' && transaction.lock !== null ? transaction.lock : transaction };
  return null;
}

/**
 * A batch `$transaction([...])` cannot take an extra statement, so each of
 * its guarded writes ensures its references just before the batch, in a
 * statement of its own. So that a batch one of whose writes is refused
 * ensures nothing at all, every write of the batch is decided first (Prisma
 * starts them all synchronously), and only then, one macrotask later, does
 * any of them send its ensure statement. A write whose batch was refused is
 * never sent (its promise stays pending; the batch rejects with the refusal).
 */
const refusedBatches = new WeakSet<object>();

export function markBatchRefused(batch: object): void {
  refusedBatches.add(batch);
}

/** Waits until every write of the batch has been decided; false when one of them was refused. */
export async function batchMayProceed(batch: object): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  return !refusedBatches.has(batch);
}

/** What a write of a refused batch returns instead of sending anything. */
export const neverSent = (): Promise<never> => new Promise<never>(() => undefined);

interface TransactionablePromise<T> extends PromiseLike<T> {
  requestTransaction?: (transaction: unknown) => PromiseLike<T>;
}

/** Statements sent inside the caller's interactive transaction (the ensure step joins it: a rollback undoes it). */
export function inInteractiveTransaction(client: { $queryRaw: (sql: Prisma.Sql) => unknown }, handle: unknown): Queryable {
  return {
    rows: async <T>(statement: Prisma.Sql) => {
      const promise = client.$queryRaw(statement) as TransactionablePromise<T[]>;
      if (typeof promise.requestTransaction !== 'function') throw new TransactionNotJoinableError();
      return promise.requestTransaction(handle);
    },
  };
}

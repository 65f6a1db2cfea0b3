/**
 * Every door that takes a thread's lock (the service's expectedParentId
 * saves, the LangGraph saver's forkPolicy 'reject' puts) writes through here,
 * so each keeps one promise: a writer waits at most `timeoutMs` in all (for
 * its turn in memory, a pool connection, the database lock), then gets
 * ThreadBusyError (retryable, nothing written). Writers of one thread take
 * turns in memory before they take a connection, per Prisma client whatever
 * the door: a busy thread holds at most one pool connection of this process,
 * so it never holds up writers of other threads. (Other processes are
 * serialised by the database lock.)
 */
import { Prisma, type PrismaClient } from '@agentstate/db';
import { ThreadBusyError } from './errors';
import { ThreadTurns } from './threadQueue';
import { lockTimedOut, transactionStartTimedOut } from './databaseErrors';
import { viaPrisma, type Queryable } from './queryable';

export interface ThreadTurnOptions {
  prisma: Pick<PrismaClient, '$transaction'>;
  userId: string;
  threadId: string;
  /** the whole wait: turn, pool connection and database lock together */
  timeoutMs: number;
}

/** Runs `body` in a transaction holding the thread's database lock, within what is left of the wait. */
export type LockedTransaction = <T>(body: (db: Queryable) => Promise<T>) => Promise<T>;

// Keyed by client, not by door: the service and a saver on one client share a thread's turns.
const turnsByClient = new WeakMap<object, ThreadTurns>();

/**
 * Runs `write` in the thread's turn. `write` may open several locked
 * transactions (the write path's attempts), all within the one deadline; the
 * turn is taken at the first and kept until `write` ends.
 */
export async function withThreadTurn<T>(options: ThreadTurnOptions, write: (transaction: LockedTransaction) => Promise<T>): Promise<T> {
  const { prisma, userId, threadId, timeoutMs } = options;
  const deadline = performance.now() + timeoutMs;
  const left = () => Math.ceil(deadline - performance.now());
  const busy = () => new ThreadBusyError(threadId, timeoutMs);
  let turns = turnsByClient.get(prisma);
  if (!turns) turnsByClient.set(prisma, (turns = new ThreadTurns()));
  const queue = turns;
  let release: (() => void) | undefined;
  const transaction: LockedTransaction = async (body) => {
    release ??= await queue.acquire(`${userId}/${threadId}`, Math.max(1, left()), busy);
    if (left() < 1) throw busy();
    try {
      return await prisma.$transaction(
        async (tx) => {
          const db = viaPrisma(tx);
          const remaining = left();
          if (remaining < 1) throw busy();
          await lockThread(db, userId, threadId, remaining);
          return body(db);
        },
        // maxWait bounds the pool checkout; timeout is for the statements once the lock is held.
        { maxWait: Math.max(1, left()), timeout: timeoutMs + 20_000 },
      );
    } catch (error) {
      if (lockTimedOut(error) || transactionStartTimedOut(error)) throw busy();
      throw error;
    }
  };
  try {
    return await write(transaction);
  } finally {
    release?.();
  }
}

/**
 * Serialises the writers of one user's thread for the rest of the
 * transaction, waiting at most `timeoutMs` (then 55P03, see lockTimedOut).
 * One key for every door (the service's expectedParentId saves, the LangGraph
 * saver's forkPolicy 'reject'), so they take turns on a thread.
 * set_config(…, true) is transaction-local, so nothing leaks through a pooler.
 */
async function lockThread(db: Queryable, userId: string, threadId: string, timeoutMs: number): Promise<void> {
  await db.rows(Prisma.sql`SELECT set_config('lock_timeout', ${`${Math.ceil(timeoutMs)}ms`}, true)`);
  await db.rows(Prisma.sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${userId}/${threadId}`}, 0))::text`);
}

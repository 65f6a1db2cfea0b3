import { Prisma } from '@agentstate/db';
import type { Queryable } from './queryable';

/**
 * Serialises the writers of one user's thread for the rest of the
 * transaction, waiting at most `timeoutMs` (then 55P03, see lockTimedOut).
 * One key for every door (the service's expectedParentId saves, the LangGraph
 * saver's forkPolicy 'reject'), so they take turns on a thread.
 * set_config(…, true) is transaction-local, so nothing leaks through a pooler.
 */
export async function lockThread(db: Queryable, userId: string, threadId: string, timeoutMs: number): Promise<void> {
  await db.rows(Prisma.sql`SELECT set_config('lock_timeout', ${`${Math.ceil(timeoutMs)}ms`}, true)`);
  await db.rows(Prisma.sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${userId}/${threadId}`}, 0))::text`);
}

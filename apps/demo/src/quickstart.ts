import type { DatabaseClient } from '@agentstate/db';
import { createStatePersistence } from '@agentstate/state-persistence';

// The snapshot service guide's example, verbatim (quickstart.test.ts runs it and checks docs/guides/snapshot-service.md shows it).
export async function quickstart(db: DatabaseClient) {
  // No `environment` option: it comes from AGENT_STATE_ENV, else NODE_ENV, so this code creates
  // dev users only where that says development or test, never in production.
  // sql: db.sql lets single-statement saves skip Prisma's per-query overhead (PostgreSQL; undefined on PGlite)
  const store = createStatePersistence({ prisma: db.prisma, sql: db.sql });

  const result = await store.saveSnapshot({
    userId: 'dev-temp-a4327ed3', // no userbase row yet: created once, atomically, in development/test
    threadId: 'thread-1', // no agent_threads row yet: created on first use
    runId: 'run-42',
    state: { messages: ['hi'], startedAt: new Date(), tokens: 12n, seen: new Set(['a']) },
  });
  if (result.status !== 'saved') throw new Error(`not saved: ${result.reason}`);

  const next = await store.saveSnapshot({
    userId: 'dev-temp-a4327ed3',
    threadId: 'thread-1',
    runId: 'run-42',
    state: { messages: ['hi', 'hello'] },
    expectedParentId: result.snapshot.id, // fails with ConcurrentWriteError if another writer got there first
  });

  const latest = await store.getLatest({ userId: 'dev-temp-a4327ed3', threadId: 'thread-1' });
  const page = await store.listSnapshots({ userId: 'dev-temp-a4327ed3', limit: 50 }); // { items, nextCursor }
  const lineage = await store.getLineage({ userId: 'dev-temp-a4327ed3', id: latest!.id }); // latest, then its parent
  return { result, next, latest, page, lineage };
}

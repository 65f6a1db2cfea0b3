/**
 * Group commit (the write path's GroupCommit) for the service's fast path: saves whose
 * referenced rows are all known to exist go out together as ONE multi-row
 * INSERT.
 *
 * A row whose parent is not a snapshot of its user and thread is left out of
 * the statement and its caller gets null, exactly as the single-row fast path
 * answers "not written": the write path then asks the ensure path, which gives
 * that save its own typed error while the others commit. The thread and the
 * user are left to the foreign keys, as in a single-row save (checking them in
 * the statement was a semi-join planned and run on every batch): when
 * one was deleted behind the cache's back, the whole statement fails and each
 * row is written again on its own, so one stale save takes the ensure path
 * alone and the others commit. Anything else that fails the statement is
 * handled the same way.
 *
 * Large rows skip the queue: their cost is the server parsing and compressing
 * the state, per byte, not the commit, so sharing a commit buys nothing, and
 * passing them through a text[] parameter costs more than a row of its own.
 */
import { randomUUID } from 'node:crypto';
import { Prisma } from '@agentstate/db';
import { GroupCommit, type GroupCommitOptions, type Queryable } from '@agentstate/write-path';
import { insertIdempotent, insertIdempotentMany, type IdempotentAnswer } from './snapshotIdempotency';
import { insertSnapshot, RETURNING_WRITTEN, writtenRow, type SnapshotWrite, type WrittenRow, type WrittenRowColumns } from './snapshotWrites';

export type SnapshotBatcherOptions = GroupCommitOptions;

/**
 * insert(write): the row written, or null when it could not be written on the
 * fast path; for a save with an id, also its replay or conflict answer.
 */
export class SnapshotBatcher extends GroupCommit<SnapshotWrite, IdempotentAnswer> {
  constructor(db: Queryable, options: SnapshotBatcherOptions = {}) {
    super(
      {
        one: (write) => (write.id === null ? insertSnapshot(db, write) : insertIdempotent(db, write)),
        async many(writes) {
          // Saves with an id: the idempotent form of the same statement (snapshotIdempotency.ts).
          if (writes.some((w) => w.id !== null)) return insertIdempotentMany(db, writes, randomUUID);
          const ids = writes.map(() => randomUUID());
          const rows = await insertSnapshots(db, writes, ids);
          return ids.map((id) => rows.get(id) ?? null);
        },
        // encoded state + metadata, in UTF-16 units
        bytes: (write) => write.stateJson.length + write.metadataJson.length,
        retry: 'parallel',
      },
      options,
    );
  }
}

// Only when a row of the batch has a parent: a subquery the server would otherwise plan on every batch.
const PARENT_IS_VALID = Prisma.sql`WHERE (i.parent_id IS NULL OR EXISTS (SELECT 1 FROM agent_state_snapshots p WHERE p.id = i.parent_id AND p.user_id = i.user_id AND p.thread_id = i.thread_id))`;

/**
 * Several snapshots in one statement. A row whose parent is not a snapshot of
 * the same user and thread is left out; a missing thread or user fails the
 * statement (foreign keys). Returns the inserted rows by id.
 */
async function insertSnapshots(db: Queryable, writes: SnapshotWrite[], ids: string[]): Promise<Map<string, WrittenRow>> {
  const column = <T>(pick: (w: SnapshotWrite) => T) => writes.map(pick);
  const inserted = await db.rows<WrittenRowColumns>(Prisma.sql`
    INSERT INTO agent_state_snapshots (id, user_id, thread_id, run_id, parent_id, state, metadata)
    SELECT i.id, i.user_id, i.thread_id, i.run_id, i.parent_id, i.state::jsonb, i.metadata::jsonb
    FROM unnest(${ids}::uuid[], ${column((w) => w.userId)}::text[], ${column((w) => w.threadId)}::text[], ${column((w) => w.runId)}::text[],
                ${column((w) => w.parentId)}::uuid[], ${column((w) => w.stateJson)}::text[], ${column((w) => w.metadataJson)}::text[])
         WITH ORDINALITY AS i(id, user_id, thread_id, run_id, parent_id, state, metadata, ord)
    ${writes.some((w) => w.parentId !== null) ? PARENT_IS_VALID : Prisma.empty}
    ORDER BY i.ord
    ${RETURNING_WRITTEN}`);
  return new Map(inserted.map((row) => [row.id, writtenRow(row)]));
}

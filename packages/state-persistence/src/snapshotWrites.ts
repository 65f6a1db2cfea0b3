/**
 * The snapshot door's statements. Each save is ONE SQL statement:
 *  - fast path (every referenced row known to exist): a plain INSERT, the
 *    foreign keys do the existence checks for free;
 *  - ensure path: the write path's ensure CTEs (create the missing user and
 *    thread, check the rest, audit) in front of the same INSERT, all or
 *    nothing. See @agentstate/write-path's ensureStatement.ts and SPEC/learnings.
 */
import { Prisma } from '@agentstate/db';
import { ensureClause, readEnsureOutcome, type EnsureOutcome, type EnsureOutcomeColumns, type EnsurePlan, type Queryable } from '@agentstate/write-path';

/** What a write returns: the database-assigned columns. The rest is what was written. */
export interface WrittenRow {
  id: string;
  created_at: Date;
  /** an idempotent save's earlier attempt, found stored (see snapshotIdempotency.ts) */
  replayed?: boolean;
}

export interface SnapshotWrite {
  /** the caller's id (an idempotent save, see snapshotIdempotency.ts), else null: the database picks one */
  id: string | null;
  /** with an id: the content digest (hex) stored with the row and compared on a retry */
  digest: string | null;
  userId: string;
  threadId: string;
  runId: string;
  parentId: string | null;
  stateJson: string;
  metadataJson: string;
}

/**
 * Only what the database assigned: sending a large state back would double the
 * traffic. created_at travels as epoch milliseconds (the column holds
 * milliseconds, so this is exact): the driver's timestamptz parser costs more
 * client CPU per save than the rest of the row (measured in `pnpm bench`).
 */
export const RETURNING_WRITTEN = Prisma.sql`RETURNING id::text AS id, (extract(epoch FROM created_at) * 1000)::int8::text AS created_ms`;

/** A written row as the statement returns it. */
export interface WrittenRowColumns {
  id: string;
  created_ms: string;
}

export function writtenRow(columns: WrittenRowColumns): WrittenRow {
  return { id: columns.id, created_at: new Date(Number(columns.created_ms)) };
}

/** The parent, when given, must be a snapshot of the same user and thread. */
export function parentIsValid(w: SnapshotWrite): Prisma.Sql {
  return Prisma.sql`(${w.parentId}::uuid IS NULL OR EXISTS (
    SELECT 1 FROM agent_state_snapshots p WHERE p.id = ${w.parentId}::uuid AND p.user_id = ${w.userId} AND p.thread_id = ${w.threadId}))`;
}

/** Steady state. Returns null when the parent is not valid (nothing written). Throws a foreign key violation when the user is missing. */
export async function insertSnapshot(db: Queryable, w: SnapshotWrite): Promise<WrittenRow | null> {
  // Without a parent there is nothing to check: the plain VALUES form is the cheapest.
  const rows =
    w.parentId === null
      ? await db.rows<WrittenRowColumns>(Prisma.sql`
          INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, state, metadata)
          VALUES (${w.userId}, ${w.threadId}, ${w.runId}, ${w.stateJson}::jsonb, ${w.metadataJson}::jsonb)
          ${RETURNING_WRITTEN}`)
      : await db.rows<WrittenRowColumns>(Prisma.sql`
          INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, parent_id, state, metadata)
          SELECT ${w.userId}, ${w.threadId}, ${w.runId}, ${w.parentId}::uuid, ${w.stateJson}::jsonb, ${w.metadataJson}::jsonb
          WHERE ${parentIsValid(w)}
          ${RETURNING_WRITTEN}`);
  const first = rows[0];
  return first ? writtenRow(first) : null;
}

/** The ensure path: the write path's CTEs, then the snapshot, in one statement. `row` is null when nothing was written. */
export async function insertSnapshotEnsuring(db: Queryable, w: SnapshotWrite, ensure: EnsurePlan): Promise<{ row: WrittenRow | null; ensured: EnsureOutcome }> {
  const clause = ensureClause(ensure, parentIsValid(w));
  const rows = await db.rows<Partial<WrittenRowColumns> & EnsureOutcomeColumns>(Prisma.sql`
    WITH ${Prisma.join(clause.ctes, ',\n')},
    snapshot AS (
      INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, parent_id, state, metadata)
      SELECT ${w.userId}, ${w.threadId}, ${w.runId}, ${w.parentId}::uuid, ${w.stateJson}::jsonb, ${w.metadataJson}::jsonb
      FROM ${clause.guardTable} WHERE ${clause.guardTable}.ok
      ${RETURNING_WRITTEN})
    SELECT snapshot.*, ${clause.outcomeColumns} FROM ${clause.guardTable} LEFT JOIN snapshot ON true`);
  const first = rows[0];
  const row = first?.id && first.created_ms ? writtenRow({ id: first.id, created_ms: first.created_ms }) : null;
  return { row, ensured: readEnsureOutcome(first) };
}

export async function latestSnapshotId(db: Queryable, userId: string, threadId: string): Promise<string | null> {
  const rows = await db.rows<{ id: string }>(Prisma.sql`
    SELECT id::text AS id FROM agent_state_snapshots WHERE user_id = ${userId} AND thread_id = ${threadId} ORDER BY seq DESC LIMIT 1`);
  return rows[0]?.id ?? null;
}

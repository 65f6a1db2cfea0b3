/**
 * The snapshot door's statements. Each save is ONE SQL statement:
 *  - fast path (every referenced row known to exist): a plain INSERT, the
 *    foreign keys do the existence checks for free;
 *  - ensure path: the write path's ensure CTEs (create the missing user and
 *    thread, check the rest, audit) in front of the same INSERT, all or
 *    nothing. See @agentstate/write-path's ensureStatement.ts and SPEC/learnings.
 */
import { Prisma } from '@agentstate/db';
import {
  elementClause,
  ensureClause,
  readElementOutcome,
  readEnsureOutcome,
  type ElementOutcome,
  type ElementOutcomeColumns,
  type ElementSave,
  type EnsureOutcome,
  type EnsureOutcomeColumns,
  type EnsurePlan,
  type Queryable,
  type StatePart,
} from '@agentstate/write-path';

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
  /** a large state split for growing-state storage (stored as a layout over elements), else null (stored whole) */
  parts: StatePart[] | null;
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

/**
 * A large state as a layout over its thread's elements, in one statement
 * (growing-state storage: the element CTEs of @agentstate/write-path, then the
 * snapshot row with `layout` instead of `state`). `ensure` adds the ensure
 * path's CTEs in front. `elements.kind` is 'refused' when the plan's view of
 * the thread was stale: nothing was written, plan afresh and run again.
 */
export async function insertLayoutSnapshot(
  db: Queryable,
  w: SnapshotWrite,
  save: ElementSave,
  ensure: EnsurePlan | null,
): Promise<{ row: WrittenRow | null; ensured: EnsureOutcome | null; elements: ElementOutcome }> {
  const ensured = ensure ? ensureClause(ensure, parentIsValid(w)) : null;
  const guard = ensured ? Prisma.sql`FROM ${ensured.guardTable} WHERE ${ensured.guardTable}.ok` : Prisma.sql`WHERE ${parentIsValid(w)}`;
  const el = elementClause(save, guard);
  const rows = await db.rows<Partial<WrittenRowColumns> & EnsureOutcomeColumns & ElementOutcomeColumns>(Prisma.sql`
    WITH ${Prisma.join([...(ensured?.ctes ?? []), ...el.ctes], ',\n')},
    snapshot AS (
      INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, parent_id, layout, metadata)
      SELECT ${w.userId}, ${w.threadId}, ${w.runId}, ${w.parentId}::uuid, ${el.layout}, ${w.metadataJson}::jsonb
      ${el.source}
      ${RETURNING_WRITTEN})
    SELECT snapshot.*, ${el.columns}${ensured ? Prisma.sql`, ${ensured.outcomeColumns}` : Prisma.empty} FROM (SELECT 1) one LEFT JOIN snapshot ON true`);
  const first = rows[0];
  const row = first?.id && first.created_ms ? writtenRow({ id: first.id, created_ms: first.created_ms }) : null;
  return { row, ensured: ensured ? readEnsureOutcome(first) : null, elements: readElementOutcome(first) };
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

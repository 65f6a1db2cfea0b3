/**
 * Idempotent saves: the caller chooses the snapshot's id, and the statement
 * that stores it also answers for an earlier attempt with that id, so a retry
 * after a lost reply can never store the same step twice.
 *
 * Each statement is the door's usual one with the id and a content digest
 * added, `ON CONFLICT (id) DO NOTHING`, and a join back to the stored row:
 *  - nothing stored under the id: the row is written (as without an id);
 *  - stored with the same digest, user and thread: its id and createdAt come
 *    back as a replay: nothing is written, audited or created;
 *  - stored with another digest: compared again, column by column, state and
 *    metadata as jsonb (a follow-up statement, on this rare path only): the
 *    same value with its keys in another order is the same save;
 *  - stored otherwise (other content, another user or thread, or a save that
 *    had no id): a conflict. Only a boolean comes back, never the stored
 *    row's columns: it may be another user's.
 * The ensure path puts "no row has this id" in its guard, so a replay or a
 * conflict creates no user or thread either, and inserts WITHOUT `ON
 * CONFLICT`: a concurrent save of the same id that commits first makes it
 * fail as a whole (23505), user and audit rows included, and the service
 * then reads the answer (storedSnapshot). A statement's join back cannot see
 * a row committed after it started, so on the fast path such a race answers
 * "not written" and the write path asks the ensure path, which sees it.
 *
 * A large state (growing-state storage) takes the layout statement with the
 * same guard: "no row has this id" also guards the element CTEs, so a replay
 * or a conflict appends no element. It inserts without `ON CONFLICT` too: a
 * concurrent save of the id that commits first would otherwise leave this
 * statement's elements written and unreferenced; failing as a whole (23505)
 * writes nothing, and the service reads the answer.
 *
 * These builders are kept apart from snapshotWrites.ts on purpose: that file
 * holds the statements of saves without an id, unchanged.
 */
import { createHash } from 'node:crypto';
import { Prisma } from '@agentstate/db';
import {
  elementClause,
  ensureClause,
  IdempotencyConflictError,
  readElementOutcome,
  readEnsureOutcome,
  stateTextColumn,
  type ElementOutcome,
  type ElementOutcomeColumns,
  type ElementSave,
  type EnsureOutcome,
  type EnsureOutcomeColumns,
  type EnsurePlan,
  type Queryable,
} from '@agentstate/write-path';
import { parentIsValid, RETURNING_WRITTEN, type SnapshotWrite, type WrittenRow } from './snapshotWrites';

/** What an idempotent statement answers: a row written, a replay, a conflict, or null (not written: invalid parent, or a race). */
export type IdempotentAnswer = WrittenRow | IdempotencyConflictError | null;

/**
 * SHA-256 of what is saved: user, thread, run, parent, and the state and
 * metadata as encoded, each part length-prefixed so parts cannot run into
 * each other. A retry of the same input gives the same text, so the digest
 * settles it; the text is not canonical (key order), so a differing digest is
 * checked again as jsonb before it is called a conflict (storedSnapshot).
 * Hashing the text as it is keeps the client's cost to the hash (a canonical
 * form would parse and re-encode every state).
 */
export function contentDigest(w: Pick<SnapshotWrite, 'userId' | 'threadId' | 'runId' | 'parentId' | 'stateJson' | 'metadataJson'>): string {
  const hash = createHash('sha256');
  for (const part of [w.userId, w.threadId, w.runId, w.parentId ?? '', w.stateJson, w.metadataJson]) {
    hash.update(`${Buffer.byteLength(part, 'utf8')}:`).update(part, 'utf8');
  }
  return hash.digest('hex');
}

/** The answer columns every idempotent statement returns. */
interface AnswerColumns {
  id: string;
  created_ms: string | null;
  replayed: boolean;
  same: boolean | null;
}

function requireId(w: SnapshotWrite): { id: string; digest: string } {
  if (w.id === null || w.digest === null) throw new Error('an idempotent statement needs the write\'s id and digest');
  return { id: w.id, digest: w.digest };
}

/**
 * The stored row under the write's id, as an answer row: `same` says whether
 * it is this save; its id and createdAt are returned only when it is.
 */
function storedAnswer(w: SnapshotWrite): Prisma.Sql {
  const { id, digest } = requireId(w);
  return Prisma.sql`
    SELECT ${id}::text AS id, CASE WHEN x.same THEN (extract(epoch FROM s.created_at) * 1000)::int8::text END AS created_ms, true AS replayed, x.same
    FROM agent_state_snapshots s,
         LATERAL (SELECT coalesce(s.user_id = ${w.userId} AND s.thread_id = ${w.threadId} AND s.content_digest = decode(${digest}, 'hex'), false) AS same) x
    WHERE s.id = ${id}::uuid`;
}

function answerOf(row: AnswerColumns | undefined, id: string): IdempotentAnswer {
  if (!row) return null;
  if (!row.replayed) return { id: row.id, created_at: new Date(Number(row.created_ms)) };
  if (row.same && row.created_ms !== null) return { id: row.id, created_at: new Date(Number(row.created_ms)), replayed: true };
  return new IdempotencyConflictError(id);
}

const INSERT_COLUMNS = Prisma.sql`(id, user_id, thread_id, run_id, parent_id, state, metadata, content_digest)`;

function insertValues(w: SnapshotWrite): Prisma.Sql {
  const { id, digest } = requireId(w);
  return Prisma.sql`${id}::uuid, ${w.userId}, ${w.threadId}, ${w.runId}, ${w.parentId}::uuid, ${w.stateJson}::jsonb, ${w.metadataJson}::jsonb, decode(${digest}, 'hex')`;
}

/** The fast path (every reference known): one row, or the answer for its id. */
export async function insertIdempotent(db: Queryable, w: SnapshotWrite): Promise<IdempotentAnswer> {
  const rows = await db.rows<AnswerColumns>(Prisma.sql`
    WITH ins AS (
      INSERT INTO agent_state_snapshots ${INSERT_COLUMNS}
      SELECT ${insertValues(w)}
      WHERE ${parentIsValid(w)}
      ON CONFLICT (id) DO NOTHING
      ${RETURNING_WRITTEN})
    SELECT id, created_ms, false AS replayed, NULL::boolean AS same FROM ins
    UNION ALL
    ${storedAnswer(w)}`);
  return settled(db, w, answerOf(rows[0], w.id as string));
}

/** A conflict by digest is checked again in full (storedSnapshot): the same value may have been encoded with its keys in another order. */
async function settled(db: Queryable, w: SnapshotWrite, answer: IdempotentAnswer): Promise<IdempotentAnswer> {
  return answer instanceof IdempotencyConflictError ? ((await storedSnapshot(db, w)) ?? answer) : answer;
}

/** What a statement that writes the row or answers from the stored one returns (`stored` is storedAnswer joined on). */
type WrittenOrStoredColumns = Partial<Pick<AnswerColumns, 'id' | 'created_ms'>> & { stored_ms?: string | null; stored_same?: boolean | null };

const STORED_COLUMNS = Prisma.sql`stored.created_ms AS stored_ms, stored.same AS stored_same`;

/** The row this statement wrote, else the stored row's answer (replay or conflict), else null (nothing stored under the id, nothing written). */
function readWrittenOrStored(first: WrittenOrStoredColumns | undefined, id: string): IdempotentAnswer {
  if (first?.id && first.created_ms) return { id: first.id, created_at: new Date(Number(first.created_ms)) };
  if (first?.stored_same == null) return null;
  return answerOf({ id, created_ms: first.stored_ms ?? null, replayed: true, same: first.stored_same }, id);
}

/** The guard of a save with an id: a valid parent, and no row under the id yet (a replay or a conflict writes nothing). */
function notStoredYet(w: SnapshotWrite): Prisma.Sql {
  const { id } = requireId(w);
  return Prisma.sql`${parentIsValid(w)} AND NOT EXISTS (SELECT 1 FROM agent_state_snapshots x WHERE x.id = ${id}::uuid)`;
}

/**
 * The ensure path: the write path's CTEs (guarded also by "no row has this
 * id"), then the row, in one statement. A concurrent save of the same id
 * makes it fail with 23505 (see the file comment).
 */
export async function insertIdempotentEnsuring(db: Queryable, w: SnapshotWrite, ensure: EnsurePlan): Promise<{ answer: IdempotentAnswer; ensured: EnsureOutcome }> {
  const { id } = requireId(w);
  const clause = ensureClause(ensure, notStoredYet(w));
  const rows = await db.rows<WrittenOrStoredColumns & EnsureOutcomeColumns>(Prisma.sql`
    WITH ${Prisma.join(clause.ctes, ',\n')},
    snapshot AS (
      INSERT INTO agent_state_snapshots ${INSERT_COLUMNS}
      SELECT ${insertValues(w)}
      FROM ${clause.guardTable} WHERE ${clause.guardTable}.ok
      ${RETURNING_WRITTEN}),
    stored AS (${storedAnswer(w)})
    SELECT snapshot.id, snapshot.created_ms, ${STORED_COLUMNS}, ${clause.outcomeColumns}
    FROM ${clause.guardTable} LEFT JOIN snapshot ON true LEFT JOIN stored ON true`);
  const first = rows[0];
  return { answer: await settled(db, w, readWrittenOrStored(first, id)), ensured: readEnsureOutcome(first) };
}

/**
 * A large state with an id: the layout statement (element CTEs, then the row
 * with `layout`, the id and the digest), guarded by "no row has this id", with
 * the stored row's answer, in one statement; `ensure` adds the ensure path's
 * CTEs in front. `elements.kind` is 'refused' when the plan's view of the
 * thread was stale: nothing was written, plan afresh and run again. The digest
 * is the one of the state as sent, so a retry stored either way compares equal.
 */
export async function insertLayoutIdempotent(
  db: Queryable,
  w: SnapshotWrite,
  save: ElementSave,
  ensure: EnsurePlan | null,
): Promise<{ answer: IdempotentAnswer; ensured: EnsureOutcome | null; elements: ElementOutcome }> {
  const { id, digest } = requireId(w);
  const ensured = ensure ? ensureClause(ensure, notStoredYet(w)) : null;
  const guard = ensured ? Prisma.sql`FROM ${ensured.guardTable} WHERE ${ensured.guardTable}.ok` : Prisma.sql`WHERE ${notStoredYet(w)}`;
  const el = elementClause(save, guard);
  const rows = await db.rows<WrittenOrStoredColumns & EnsureOutcomeColumns & ElementOutcomeColumns>(Prisma.sql`
    WITH ${Prisma.join([...(ensured?.ctes ?? []), ...el.ctes], ',\n')},
    snapshot AS (
      INSERT INTO agent_state_snapshots (id, user_id, thread_id, run_id, parent_id, layout, metadata, content_digest)
      SELECT ${id}::uuid, ${w.userId}, ${w.threadId}, ${w.runId}, ${w.parentId}::uuid, ${el.layout}, ${w.metadataJson}::jsonb, decode(${digest}, 'hex')
      ${el.source}
      ${RETURNING_WRITTEN}),
    stored AS (${storedAnswer(w)})
    SELECT snapshot.id, snapshot.created_ms, ${STORED_COLUMNS}, ${el.columns}${ensured ? Prisma.sql`, ${ensured.outcomeColumns}` : Prisma.empty}
    FROM (SELECT 1) one LEFT JOIN snapshot ON true LEFT JOIN stored ON true`);
  const first = rows[0];
  return { answer: await settled(db, w, readWrittenOrStored(first, id)), ensured: ensured ? readEnsureOutcome(first) : null, elements: readElementOutcome(first) };
}

/**
 * The answer for a write's id read on its own, comparing in full: the same
 * digest, or the same run and parent with state and metadata equal as jsonb
 * (whatever their key order). null when no row has the id. Used after a
 * concurrent save of the same id won, and to check a conflict by digest again.
 */
export async function storedSnapshot(db: Queryable, w: SnapshotWrite): Promise<IdempotentAnswer> {
  const { id, digest } = requireId(w);
  const rows = await db.rows<AnswerColumns>(Prisma.sql`
    SELECT ${id}::text AS id, CASE WHEN x.same THEN (extract(epoch FROM s.created_at) * 1000)::int8::text END AS created_ms, true AS replayed, x.same
    FROM agent_state_snapshots s,
         LATERAL (SELECT coalesce(s.user_id = ${w.userId} AND s.thread_id = ${w.threadId} AND s.content_digest IS NOT NULL AND (s.content_digest = decode(${digest}, 'hex') OR (
           s.run_id = ${w.runId} AND s.parent_id IS NOT DISTINCT FROM ${w.parentId}::uuid AND (${stateTextColumn('s')})::jsonb = ${w.stateJson}::jsonb AND s.metadata = ${w.metadataJson}::jsonb)), false) AS same) x
    WHERE s.id = ${id}::uuid`);
  return answerOf(rows[0], id);
}

/**
 * The expectedParentId check, for an idempotent save: the thread's latest
 * snapshot and the answer for the write's id, in one statement. A retry whose
 * first attempt landed is a replay, not a ConcurrentWriteError.
 */
export async function latestAndStored(db: Queryable, w: SnapshotWrite): Promise<{ latest: string | null; stored: IdempotentAnswer }> {
  const rows = await db.rows<Partial<AnswerColumns> & { latest: string | null }>(Prisma.sql`
    SELECT (SELECT id::text FROM agent_state_snapshots WHERE user_id = ${w.userId} AND thread_id = ${w.threadId} ORDER BY seq DESC LIMIT 1) AS latest, st.*
    FROM (SELECT 1) one LEFT JOIN (${storedAnswer(w)}) st ON true`);
  const first = rows[0];
  const stored = first?.same == null ? null : await settled(db, w, answerOf({ id: w.id as string, created_ms: first.created_ms ?? null, replayed: true, same: first.same }, w.id as string));
  return { latest: first?.latest ?? null, stored };
}

/**
 * Group commit: several saves in one statement, some with ids. Each gets its
 * answer by position: written, replayed, a conflict, or null (not written on
 * the fast path). Two saves of one id in the same batch: the later one is
 * left out (null), so it asks the ensure path, which finds the first stored.
 */
export async function insertIdempotentMany(db: Queryable, writes: readonly SnapshotWrite[], newId: () => string): Promise<IdempotentAnswer[]> {
  const seen = new Set<string>();
  const included = writes.map((w) => (w.id === null ? true : seen.has(w.id) ? false : (seen.add(w.id), true)));
  const batch = writes.filter((_, i) => included[i]);
  const ids = batch.map((w) => w.id ?? newId());
  const column = <T>(pick: (w: SnapshotWrite) => T) => batch.map(pick);
  const parentCheck = batch.some((w) => w.parentId !== null)
    ? Prisma.sql`WHERE (i.parent_id IS NULL OR EXISTS (SELECT 1 FROM agent_state_snapshots p WHERE p.id = i.parent_id AND p.user_id = i.user_id AND p.thread_id = i.thread_id))`
    : Prisma.empty;
  const rows = await db.rows<AnswerColumns>(Prisma.sql`
    WITH i AS (
      SELECT * FROM unnest(${ids}::uuid[], ${column((w) => w.userId)}::text[], ${column((w) => w.threadId)}::text[], ${column((w) => w.runId)}::text[],
                           ${column((w) => w.parentId)}::uuid[], ${column((w) => w.stateJson)}::text[], ${column((w) => w.metadataJson)}::text[], ${column((w) => w.digest)}::text[])
           WITH ORDINALITY AS i(id, user_id, thread_id, run_id, parent_id, state, metadata, digest, ord)),
    ins AS (
      INSERT INTO agent_state_snapshots ${INSERT_COLUMNS}
      SELECT i.id, i.user_id, i.thread_id, i.run_id, i.parent_id, i.state::jsonb, i.metadata::jsonb, decode(i.digest, 'hex')
      FROM i ${parentCheck}
      ORDER BY i.ord
      ON CONFLICT (id) DO NOTHING
      ${RETURNING_WRITTEN})
    SELECT id, created_ms, false AS replayed, NULL::boolean AS same FROM ins
    UNION ALL
    SELECT i.id::text, CASE WHEN x.same THEN (extract(epoch FROM s.created_at) * 1000)::int8::text END, true, x.same
    FROM i JOIN agent_state_snapshots s ON s.id = i.id,
         LATERAL (SELECT coalesce(s.user_id = i.user_id AND s.thread_id = i.thread_id AND s.content_digest = decode(i.digest, 'hex'), false) AS same) x
    WHERE i.digest IS NOT NULL`);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const answers: IdempotentAnswer[] = [];
  let next = 0;
  for (const [i, w] of writes.entries()) {
    if (!included[i]) {
      answers.push(null);
      continue;
    }
    const id = ids[next++] as string;
    answers.push(await settled(db, w, answerOf(byId.get(id), id)));
  }
  return answers;
}

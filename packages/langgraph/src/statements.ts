/**
 * The saver's SQL. Every write is ONE statement: on the fast path (user and
 * thread known to exist) the saver's own INSERTs, the foreign keys doing the
 * existence checks; on the ensure path the write path's ensure CTEs (create
 * or check the user and thread, audit) in front of the same INSERTs, all or
 * nothing. Values are bound as bytea parameters (binary on pg). Reads always
 * filter on user_id first: no statement here can see another user's rows.
 */
import { Prisma } from '@agentstate/db';
import {
  elementClause,
  ensureClause,
  layoutText,
  readElementOutcome,
  readEnsureOutcome,
  type ElementOutcome,
  type ElementOutcomeColumns,
  type ElementSave,
  type EnsureOutcome,
  type EnsureOutcomeColumns,
  type EnsurePlan,
  type Queryable,
} from '@agentstate/write-path';

export interface ThreadKey {
  userId: string;
  threadId: string;
  checkpointNs: string;
}

export interface BlobRow {
  channel: string;
  version: string;
  type: string;
  /** the serializer's bytes; null for a channel without a value ("empty") */
  blob: Uint8Array | null;
}

export interface CheckpointWrite extends ThreadKey {
  checkpointId: string;
  parentCheckpointId: string | null;
  checkpointJson: string;
  metadataType: string;
  metadata: Uint8Array;
  metadataFilterJson: string | null;
  blobs: BlobRow[];
}

/** One large JSON channel value stored as a layout over the thread's elements (growing-state storage). */
export interface LayoutBlob {
  channel: string;
  version: string;
  type: string;
  save: ElementSave;
}

export interface WriteRow {
  idx: number;
  channel: string;
  type: string;
  blob: Uint8Array;
}

export interface PendingWritesWrite extends ThreadKey {
  checkpointId: string;
  taskId: string;
  taskPath: string;
  writes: WriteRow[];
  /** true: replace rows with the same (task, idx) (special channels); false: keep the first */
  upsert: boolean;
}

/** What a write statement answered. */
export interface StatementResult {
  written: boolean;
  /** null on the fast path */
  ensured: EnsureOutcome | null;
  /** with a layout blob: what its element part did ('refused': plan afresh and run again) */
  elements?: ElementOutcome;
}

/** The ensure CTEs (or none) and how the door's INSERTs are gated by them. */
function gate(ensure: EnsurePlan | null) {
  if (ensure === null) return { ctes: [] as Prisma.Sql[], join: Prisma.empty, from: Prisma.empty, outcome: null };
  const clause = ensureClause(ensure);
  return {
    ctes: clause.ctes,
    join: Prisma.sql`CROSS JOIN ${clause.guardTable} WHERE ${clause.guardTable}.ok`,
    from: Prisma.sql`FROM ${clause.guardTable} WHERE ${clause.guardTable}.ok`,
    outcome: clause.outcomeColumns,
  };
}

async function run(
  db: Queryable,
  ctes: Prisma.Sql[],
  counted: string,
  outcome: Prisma.Sql | null,
  elementColumns: Prisma.Sql | null = null,
): Promise<{ count: number; ensured: EnsureOutcome | null; elements?: ElementOutcome }> {
  const extra = [outcome, elementColumns].filter((c): c is Prisma.Sql => c !== null);
  const select = Prisma.sql`SELECT (SELECT count(*) FROM ${Prisma.raw(counted)})::int AS written_rows${extra.length > 0 ? Prisma.sql`, ${Prisma.join(extra)}` : Prisma.empty}`;
  const rows = await db.rows<{ written_rows: number } & EnsureOutcomeColumns & ElementOutcomeColumns>(Prisma.sql`WITH ${Prisma.join(ctes, ',\n')} ${select}`);
  const first = rows[0];
  return { count: Number(first?.written_rows ?? 0), ensured: outcome ? readEnsureOutcome(first) : null, ...(elementColumns ? { elements: readElementOutcome(first) } : {}) };
}

/**
 * A blob row's value bytes (alias with user_id, thread_id, blob, layout):
 * the stored bytes, or a layout's JSON text assembled from the thread's
 * elements (growing-state storage), in the reading statement itself.
 */
export function blobBytes(alias: string): Prisma.Sql {
  const a = Prisma.raw(alias.replace(/[^A-Za-z0-9_]/g, ''));
  return Prisma.sql`coalesce(${a}.blob, convert_to(${layoutText(Prisma.sql`${a}.user_id`, Prisma.sql`${a}.thread_id`, Prisma.sql`${a}.layout`)}, 'UTF8'))`;
}

/** Bytes as a bytea parameter (a Buffer: pg sends it binary; Prisma binds it as Bytes). */
const bytes = (value: Uint8Array | null) => (value === null ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength));

/**
 * put: the changed channels' blobs and the checkpoint row, in one statement.
 * With `layout`, that channel's value is stored as a layout over the
 * thread's elements (the write path's element CTEs, in the same statement):
 * every row is then written only with the elements (FROM el_ok).
 */
export async function insertCheckpoint(db: Queryable, w: CheckpointWrite, ensure: EnsurePlan | null, layout: LayoutBlob | null = null): Promise<StatementResult> {
  const gated = gate(ensure);
  const el = layout ? elementClause(layout.save, gated.from) : null;
  const g = el ? { ...gated, join: Prisma.sql`CROSS JOIN el_ok`, from: el.source } : gated;
  const blobRows = w.blobs.filter((b) => b.channel !== layout?.channel).map((b) => Prisma.sql`(${b.channel}::text, ${b.version}::text, ${b.type}::text, ${bytes(b.blob)}::bytea)`);
  const ctes = [
    ...g.ctes,
    ...(el && layout
      ? [
          ...el.ctes,
          Prisma.sql`cp_layout_blob AS (
      INSERT INTO agent_checkpoint_blobs (user_id, thread_id, checkpoint_ns, channel, version, type, blob, layout)
      SELECT ${w.userId}::text, ${w.threadId}::text, ${w.checkpointNs}::text, ${layout.channel}::text, ${layout.version}::text, ${layout.type}::text, NULL, ${el.layout}
      FROM el_ok
      ON CONFLICT DO NOTHING
      RETURNING 1)`,
        ]
      : []),
    ...(blobRows.length === 0
      ? []
      : [
          Prisma.sql`cp_blobs AS (
      INSERT INTO agent_checkpoint_blobs (user_id, thread_id, checkpoint_ns, channel, version, type, blob)
      SELECT ${w.userId}::text, ${w.threadId}::text, ${w.checkpointNs}::text, b.channel, b.version, b.type, b.blob
      FROM (VALUES ${Prisma.join(blobRows)}) AS b(channel, version, type, blob) ${g.join}
      ON CONFLICT DO NOTHING
      RETURNING 1)`,
        ]),
    Prisma.sql`cp_row AS (
      INSERT INTO agent_checkpoints (user_id, thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata_type, metadata, metadata_json)
      SELECT ${w.userId}::text, ${w.threadId}::text, ${w.checkpointNs}::text, ${w.checkpointId}::text, ${w.parentCheckpointId}::text,
             ${w.checkpointJson}::jsonb, ${w.metadataType}::text, ${bytes(w.metadata)}::bytea, ${w.metadataFilterJson}::jsonb
      ${g.from}
      ON CONFLICT (user_id, thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET
        checkpoint = EXCLUDED.checkpoint, metadata_type = EXCLUDED.metadata_type, metadata = EXCLUDED.metadata, metadata_json = EXCLUDED.metadata_json
      RETURNING 1)`,
  ];
  const { count, ensured, elements } = await run(db, ctes, 'cp_row', g.outcome, el?.columns ?? null);
  return { written: count > 0, ensured, ...(elements ? { elements } : {}) };
}

/** putWrites: one task's pending writes, in one statement. */
export async function insertWrites(db: Queryable, w: PendingWritesWrite, ensure: EnsurePlan | null): Promise<StatementResult> {
  const g = gate(ensure);
  const conflict = w.upsert
    ? Prisma.sql`DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob, task_path = EXCLUDED.task_path`
    : Prisma.sql`DO NOTHING`;
  const rows = w.writes.map((x) => Prisma.sql`(${x.idx}::int, ${x.channel}::text, ${x.type}::text, ${bytes(x.blob)}::bytea)`);
  const ctes = [
    ...g.ctes,
    Prisma.sql`cp_writes AS (
      INSERT INTO agent_checkpoint_writes (user_id, thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob)
      SELECT ${w.userId}::text, ${w.threadId}::text, ${w.checkpointNs}::text, ${w.checkpointId}::text, ${w.taskId}::text, ${w.taskPath}::text,
             x.idx, x.channel, x.type, x.blob
      FROM (VALUES ${Prisma.join(rows)}) AS x(idx, channel, type, blob) ${g.join}
      ON CONFLICT (user_id, thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ${conflict}
      RETURNING 1)`,
  ];
  const { ensured } = await run(db, ctes, 'cp_writes', g.outcome);
  // Rows kept by DO NOTHING count as written: the statement ran through (the foreign keys held).
  return { written: ensured === null || (ensured.missing.length === 0 && ensured.doorOk), ensured };
}

/** A checkpoint row as read, values still serialized (base64). */
export interface CheckpointRow {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  checkpoint: Record<string, unknown> & { v?: number; channel_versions?: Record<string, string | number> };
  metadata_type: string;
  metadata: string;
  /** [channel, type, base64 | null] */
  channel_values: Array<[string, string, string | null]>;
  /** [task_id, channel, type, base64, task_path, idx], in no particular order (the saver sorts them: compareWritesSortKeys) */
  pending_writes: Array<[string, string, string, string, string, number]>;
}

/**
 * Channel values: one primary-key lookup per channel of the checkpoint. The
 * LIMIT 1 (the key is unique, so it changes no result) keeps the lookup a
 * parameterized index scan: as a plain join, the planner (which sizes the
 * correlated subquery for an average thread, whatever the parameters) chose a
 * hash join reading every blob of the thread per checkpoint, 10,000 of them
 * for a long thread
 * (getTuple 0.55 -> 4.4 ms, list 4.7 -> 142 ms from 1k to 100k rows in
 * `pnpm bench`).
 * The channels come from unnest(ARRAY(…)), which the planner sizes at 10
 * rows, not jsonb_each_text's 100: with the layout assembly (blobBytes) per
 * channel, 100 put a few checkpoints' estimated cost past jit_above_cost,
 * and JIT compilation (~0.3 s) then dominated every list.
 */
const SELECT_CHECKPOINTS = Prisma.sql`
  SELECT cp.thread_id, cp.checkpoint_ns, cp.checkpoint_id, cp.parent_checkpoint_id, cp.checkpoint, cp.metadata_type,
    encode(cp.metadata, 'base64') AS metadata,
    (SELECT coalesce(jsonb_agg(jsonb_build_array(cv.key, bl.type, encode(${blobBytes('bl')}, 'base64'))), '[]'::jsonb)
       FROM unnest(ARRAY(SELECT jsonb_object_keys(cp.checkpoint -> 'channel_versions'))) cv(key)
       CROSS JOIN LATERAL (
         SELECT b.user_id, b.thread_id, b.type, b.blob, b.layout FROM agent_checkpoint_blobs b
         WHERE b.user_id = cp.user_id AND b.thread_id = cp.thread_id AND b.checkpoint_ns = cp.checkpoint_ns
           AND b.channel = cv.key AND b.version = cp.checkpoint -> 'channel_versions' ->> cv.key
         LIMIT 1) bl) AS channel_values,
    (SELECT coalesce(jsonb_agg(jsonb_build_array(w.task_id, w.channel, w.type, encode(w.blob, 'base64'), w.task_path, w.idx)), '[]'::jsonb)
       FROM agent_checkpoint_writes w
      WHERE w.user_id = cp.user_id AND w.thread_id = cp.thread_id AND w.checkpoint_ns = cp.checkpoint_ns
        AND w.checkpoint_id = cp.checkpoint_id) AS pending_writes
  FROM agent_checkpoints cp`;

/** One checkpoint of a user's thread: by id, or the latest. */
export async function selectCheckpoint(db: Queryable, key: ThreadKey, checkpointId: string | undefined): Promise<CheckpointRow | undefined> {
  const where = Prisma.sql`WHERE cp.user_id = ${key.userId}::text AND cp.thread_id = ${key.threadId}::text AND cp.checkpoint_ns = ${key.checkpointNs}::text`;
  const rows = checkpointId
    ? await db.rows<CheckpointRow>(Prisma.sql`${SELECT_CHECKPOINTS} ${where} AND cp.checkpoint_id = ${checkpointId}::text`)
    : await db.rows<CheckpointRow>(Prisma.sql`${SELECT_CHECKPOINTS} ${where} ORDER BY cp.checkpoint_id DESC LIMIT 1`);
  return rows[0];
}

export interface ListQuery {
  userId: string;
  threadId?: string;
  checkpointNs?: string;
  checkpointId?: string;
  filterJson?: string;
  before?: string;
  limit?: number;
}

/** A user's checkpoints, newest first: one thread, or all of the user's threads. */
export async function selectCheckpoints(db: Queryable, q: ListQuery): Promise<CheckpointRow[]> {
  const conditions: Prisma.Sql[] = [Prisma.sql`cp.user_id = ${q.userId}::text`];
  if (q.threadId !== undefined) conditions.push(Prisma.sql`cp.thread_id = ${q.threadId}::text`);
  if (q.checkpointNs !== undefined) conditions.push(Prisma.sql`cp.checkpoint_ns = ${q.checkpointNs}::text`);
  if (q.checkpointId !== undefined) conditions.push(Prisma.sql`cp.checkpoint_id = ${q.checkpointId}::text`);
  if (q.filterJson !== undefined) conditions.push(Prisma.sql`cp.metadata_json @> ${q.filterJson}::jsonb`);
  if (q.before !== undefined) conditions.push(Prisma.sql`cp.checkpoint_id < ${q.before}::text`);
  const limit = q.limit === undefined ? Prisma.empty : Prisma.sql`LIMIT ${q.limit}::int`;
  return db.rows<CheckpointRow>(Prisma.sql`${SELECT_CHECKPOINTS} WHERE ${Prisma.join(conditions, ' AND ')} ORDER BY cp.checkpoint_id DESC ${limit}`);
}

/** Pending sends (TASKS writes) of a parent checkpoint, for checkpoints saved before format v4. */
export async function selectPendingSends(db: Queryable, key: ThreadKey, parentCheckpointId: string, tasksChannel: string): Promise<Array<[string, string]>> {
  const rows = await db.rows<{ sends: Array<[string, string]> }>(Prisma.sql`
    SELECT coalesce(jsonb_agg(jsonb_build_array(w.type, encode(w.blob, 'base64')) ORDER BY w.task_id, w.idx), '[]'::jsonb) AS sends
    FROM agent_checkpoint_writes w
    WHERE w.user_id = ${key.userId}::text AND w.thread_id = ${key.threadId}::text AND w.checkpoint_ns = ${key.checkpointNs}::text
      AND w.checkpoint_id = ${parentCheckpointId}::text AND w.channel = ${tasksChannel}::text`);
  return rows[0]?.sends ?? [];
}

/** Deletes a user's thread's checkpoints, blobs and writes (every namespace), in one statement. The thread row and its snapshots stay. */
export async function deleteThreadCheckpoints(db: Queryable, userId: string, threadId: string): Promise<number> {
  const rows = await db.rows<{ checkpoints: number }>(Prisma.sql`
    WITH del_writes AS (DELETE FROM agent_checkpoint_writes WHERE user_id = ${userId}::text AND thread_id = ${threadId}::text RETURNING 1),
         del_blobs AS (DELETE FROM agent_checkpoint_blobs WHERE user_id = ${userId}::text AND thread_id = ${threadId}::text RETURNING 1),
         del_checkpoints AS (DELETE FROM agent_checkpoints WHERE user_id = ${userId}::text AND thread_id = ${threadId}::text RETURNING 1)
    SELECT (SELECT count(*) FROM del_checkpoints)::int AS checkpoints, (SELECT count(*) FROM del_writes)::int AS writes, (SELECT count(*) FROM del_blobs)::int AS blobs`);
  return Number(rows[0]?.checkpoints ?? 0);
}

/** The latest checkpoint id of a user's thread and namespace (null when it has none). */
export async function latestCheckpointId(db: Queryable, key: ThreadKey): Promise<string | null> {
  const rows = await db.rows<{ checkpoint_id: string }>(Prisma.sql`
    SELECT checkpoint_id FROM agent_checkpoints
    WHERE user_id = ${key.userId}::text AND thread_id = ${key.threadId}::text AND checkpoint_ns = ${key.checkpointNs}::text
    ORDER BY checkpoint_id DESC LIMIT 1`);
  return rows[0]?.checkpoint_id ?? null;
}

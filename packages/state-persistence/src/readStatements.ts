/**
 * The read side's SQL: one statement per read, one round trip, through the
 * same Queryable as the saves (db.sql on PostgreSQL: fixed texts, named
 * prepared statements; Prisma's $queryRaw where db.sql is absent, e.g. PGlite).
 * Each read has a fixed text (listSnapshots one per filter shape, so each
 * shape keeps its own index in a prepared statement's generic plan, and its
 * next pages go unnamed, see selectPage); values are always bound parameters.
 *
 * State and metadata come back as JSON text, decoded once by the codec as each
 * row arrives (RowOptions.decodeText), so on a multi-row read the client
 * decodes row n while the server still converts row n + 1, as it would for a
 * plain SELECT of the jsonb columns. For that, no statement here holds its
 * rows back: no sort, no window that needs the whole page before its first
 * row. They are the only text-typed columns (ids come as uuid and varchar,
 * created_at as epoch milliseconds in int8: the driver's timestamptz parser
 * costs more than the rest of the row).
 */
import { Prisma } from '@agentstate/db';
import { stateTextColumn as assembledStateText, type Queryable, type RowOptions } from '@agentstate/write-path';
import { decodeValue } from './stateCodec';

/**
 * The SQL expression of a snapshot's state as JSON text, for the row alias
 * `alias`: the state column, or, for a state stored as a layout over its
 * thread's elements, the JSON text assembled from them (growing-state
 * storage, @agentstate/write-path), in the same statement.
 */
export function stateTextColumn(alias: string): Prisma.Sql {
  return assembledStateText(alias);
}

function metadataTextColumn(alias: string): Prisma.Sql {
  return Prisma.raw(`${alias}.metadata::text`);
}

/** created_at as epoch milliseconds (the column holds milliseconds, so this is exact). */
function createdMsColumn(alias: string): Prisma.Sql {
  return Prisma.raw(`(extract(epoch FROM ${alias}.created_at) * 1000)::int8`);
}

/** A snapshot row as every read returns it, state and metadata decoded. */
export interface ReadRow {
  id: string;
  user_id: string;
  thread_id: string;
  run_id: string;
  parent_id: string | null;
  state: unknown;
  metadata: unknown;
  /** int8: a string from pg, a bigint through Prisma */
  created_ms: string | bigint;
}

const DECODED: RowOptions = { decodeText: { columns: ['state', 'metadata'], decode: decodeValue } };

const identity = (alias: string) => Prisma.raw(`${alias}.id, ${alias}.user_id, ${alias}.thread_id, ${alias}.run_id, ${alias}.parent_id`);

const ROW_COLUMNS = Prisma.sql`${identity('s')}, ${stateTextColumn('s')} AS state, ${metadataTextColumn('s')} AS metadata, ${createdMsColumn('s')} AS created_ms`;

export async function selectLatest(db: Queryable, userId: string, threadId: string): Promise<ReadRow | undefined> {
  const rows = await db.rows<ReadRow>(Prisma.sql`
    SELECT ${ROW_COLUMNS} FROM agent_state_snapshots s
    WHERE s.user_id = ${userId} AND s.thread_id = ${threadId}
    ORDER BY s.seq DESC LIMIT 1`, DECODED);
  return rows[0];
}

/** The owner is part of the lookup: another user's snapshot is simply not found. */
export async function selectSnapshot(db: Queryable, userId: string, id: string): Promise<ReadRow | undefined> {
  const rows = await db.rows<ReadRow>(Prisma.sql`
    SELECT ${ROW_COLUMNS} FROM agent_state_snapshots s
    WHERE s.id = ${id}::uuid AND s.user_id = ${userId}`, DECODED);
  return rows[0];
}

export interface PageQuery {
  userId: string;
  threadId: string | null;
  runId: string | null;
  /** seq of the previous page's last row; null for the first page */
  before: bigint | null;
  limit: number;
  maxBytes: number;
}

/**
 * A page row; `in_page` false marks the first row past the byte budget (its
 * state and metadata not sent). `more` (the same on every row) says whether
 * the filter has rows beyond the first `limit`.
 */
export type PageRow = ReadRow & { seq: string | bigint; in_page: boolean; more: boolean };

/**
 * One page, newest first: at most `limit` rows, while the bytes before them
 * are under the budget (so the first row always fits), then the first row
 * past the budget as a marker without state or metadata. Whether more rows
 * follow the first `limit` is one index probe (an InitPlan, run once), so no
 * look-ahead row is read or converted. Rows stream: the running size is one
 * window that looks only backwards, over rows whose text is converted once
 * (the LATERAL), sized and sent.
 */
export async function selectPage(db: Queryable, q: PageQuery): Promise<PageRow[]> {
  const filters = (alias: string) => {
    const a = Prisma.raw(alias);
    const out = [Prisma.sql`${a}.user_id = ${q.userId}`];
    if (q.threadId !== null) out.push(Prisma.sql`${a}.thread_id = ${q.threadId}`);
    if (q.runId !== null) out.push(Prisma.sql`${a}.run_id = ${q.runId}`);
    // The next pages only: as a parameter, `seq < $n` lets a generic plan walk the seq index backwards
    // through every user's rows (the planner's guess), so those pages go unnamed, planned for their values.
    if (q.before !== null) out.push(Prisma.sql`${a}.seq < ${q.before.toString()}::bigint`);
    return Prisma.join(out, ' AND ');
  };
  const max = Prisma.sql`${q.maxBytes}::bigint`;
  return db.rows<PageRow>(
    Prisma.sql`
    SELECT id, user_id, thread_id, run_id, parent_id, seq, created_ms, bytes_before < ${max} AS in_page,
           CASE WHEN bytes_before < ${max} THEN state END AS state, CASE WHEN bytes_before < ${max} THEN metadata END AS metadata,
           (SELECT count(*) FROM (SELECT 1 FROM agent_state_snapshots m WHERE ${filters('m')} ORDER BY m.seq DESC OFFSET ${q.limit}::int LIMIT 1) beyond) > 0 AS more
    FROM (
      SELECT c.*, coalesce(sum(c.bytes) OVER w, 0) AS bytes_before, lag(c.bytes) OVER w AS bytes_previous
      FROM (
        SELECT ${identity('s')}, s.seq, ${createdMsColumn('s')} AS created_ms, t.state, t.metadata,
               octet_length(t.state) + octet_length(t.metadata) AS bytes
        FROM agent_state_snapshots s,
             LATERAL (SELECT ${stateTextColumn('s')} AS state, ${metadataTextColumn('s')} AS metadata OFFSET 0) t
        WHERE ${filters('s')}
        ORDER BY s.seq DESC
        LIMIT ${q.limit}::int
      ) c
      WINDOW w AS (ORDER BY c.seq DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    ) sized
    WHERE bytes_before < ${max} OR bytes_before - bytes_previous < ${max}
    ORDER BY seq DESC`,
    q.before === null ? DECODED : { ...DECODED, prepare: false },
  );
}

/**
 * The snapshot, then its parent, … within the owner's rows: the walk stops at
 * `limit` rows or once the rows so far reach the budget (summed in SQL,
 * before anything is sent). Rows stream in walk order (no ORDER BY, which
 * would hold them back); `depth` orders them.
 */
export async function selectLineage(db: Queryable, userId: string, id: string, limit: number, maxBytes: number): Promise<Array<ReadRow & { depth: number }>> {
  const rows = await db.rows<ReadRow & { depth: number }>(
    Prisma.sql`
    WITH RECURSIVE chain AS (
      SELECT s.id, s.user_id, s.thread_id, s.run_id, s.parent_id, s.created_at, t.state, t.metadata,
             1 AS depth, (octet_length(t.state) + octet_length(t.metadata))::bigint AS bytes
      FROM agent_state_snapshots s, LATERAL (SELECT ${stateTextColumn('s')} AS state, ${metadataTextColumn('s')} AS metadata OFFSET 0) t
      WHERE s.id = ${id}::uuid AND s.user_id = ${userId}
      UNION ALL
      SELECT p.id, p.user_id, p.thread_id, p.run_id, p.parent_id, p.created_at, t.state, t.metadata,
             chain.depth + 1, chain.bytes + octet_length(t.state) + octet_length(t.metadata)
      FROM chain JOIN agent_state_snapshots p ON p.id = chain.parent_id AND p.user_id = chain.user_id,
           LATERAL (SELECT ${stateTextColumn('p')} AS state, ${metadataTextColumn('p')} AS metadata OFFSET 0) t
      WHERE chain.depth < ${limit}::int AND chain.bytes < ${maxBytes}::bigint
    )
    SELECT ${identity('chain')}, chain.state, chain.metadata, ${createdMsColumn('chain')} AS created_ms, chain.depth
    FROM chain`,
    DECODED,
  );
  return rows.sort((a, b) => a.depth - b.depth);
}

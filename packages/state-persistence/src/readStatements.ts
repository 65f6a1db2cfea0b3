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

/** A page row; `in_page` false marks the row after the page (its state and metadata not sent): there is a next page. */
export type PageRow = ReadRow & { seq: string | bigint; in_page: boolean };

/**
 * One page, newest first: rows while the bytes before them are under the
 * budget (so the first row always fits), at most `limit`, then one marker row
 * without state or metadata when there are more (the candidate past `limit`,
 * never converted to text, or the first row past the budget). Rows stream:
 * the running size is a window that looks only backwards.
 */
export async function selectPage(db: Queryable, q: PageQuery): Promise<PageRow[]> {
  const filters = [Prisma.sql`s.user_id = ${q.userId}`];
  if (q.threadId !== null) filters.push(Prisma.sql`s.thread_id = ${q.threadId}`);
  if (q.runId !== null) filters.push(Prisma.sql`s.run_id = ${q.runId}`);
  // The next pages only: as a parameter, `seq < $n` lets a generic plan walk the seq index backwards
  // through every user's rows (the planner's guess), so those pages go unnamed, planned for their values.
  if (q.before !== null) filters.push(Prisma.sql`s.seq < ${q.before.toString()}::bigint`);
  const max = Prisma.sql`${q.maxBytes}::bigint`;
  const candidate = Prisma.sql`row_number() OVER (ORDER BY s.seq DESC) <= ${q.limit}::int`;
  const bytes = Prisma.sql`octet_length(c.state) + octet_length(c.metadata)`;
  return db.rows<PageRow>(
    Prisma.sql`
    SELECT id, user_id, thread_id, run_id, parent_id, seq, created_ms, in_page,
           CASE WHEN in_page THEN state END AS state, CASE WHEN in_page THEN metadata END AS metadata
    FROM (
      SELECT c.*, c.candidate AND coalesce(sum(${bytes}) OVER w, 0) < ${max} AS in_page,
             coalesce(sum(${bytes}) OVER w, 0) AS bytes_before, lag(${bytes}) OVER w AS bytes_previous
      FROM (
        SELECT ${identity('s')}, s.seq, ${createdMsColumn('s')} AS created_ms, ${candidate} AS candidate,
               CASE WHEN ${candidate} THEN ${stateTextColumn('s')} END AS state,
               CASE WHEN ${candidate} THEN ${metadataTextColumn('s')} END AS metadata
        FROM agent_state_snapshots s
        WHERE ${Prisma.join(filters, ' AND ')}
        ORDER BY s.seq DESC
        LIMIT ${q.limit}::int + 1
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

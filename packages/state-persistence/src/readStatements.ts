/**
 * The read side's SQL: one statement per read, one round trip, through the
 * same Queryable as the saves (db.sql on PostgreSQL: fixed texts, named
 * prepared statements; Prisma's $queryRaw where db.sql is absent, e.g. PGlite).
 * Each read has a fixed text (listSnapshots one per filter shape, so each
 * shape keeps its own index in a prepared statement's generic plan); values
 * are always bound parameters.
 *
 * State and metadata come back as JSON text, parsed once by the codec
 * (decodeValue), and created_at as epoch milliseconds: the driver's jsonb and
 * timestamptz parsers would cost as much again per row.
 */
import { Prisma } from '@agentstate/db';
import type { Queryable } from '@agentstate/write-path';

/**
 * The SQL expression of a snapshot's state as JSON text, for the row alias
 * `alias`. The one place that says how a state is read: where states are
 * stored in parts, this becomes the expression that assembles them.
 */
export function stateTextColumn(alias: string): Prisma.Sql {
  return Prisma.raw(`${alias}.state::text`);
}

function metadataTextColumn(alias: string): Prisma.Sql {
  return Prisma.raw(`${alias}.metadata::text`);
}

/** created_at as epoch milliseconds (the column holds milliseconds, so this is exact). */
function createdMsColumn(alias: string): Prisma.Sql {
  return Prisma.raw(`(extract(epoch FROM ${alias}.created_at) * 1000)::int8::text`);
}

/** A snapshot row as every read returns it. */
export interface ReadRow {
  id: string;
  user_id: string;
  thread_id: string;
  run_id: string;
  parent_id: string | null;
  state_json: string;
  metadata_json: string;
  created_ms: string;
}

const identity = (alias: string) =>
  Prisma.raw(`${alias}.id::text AS id, ${alias}.user_id, ${alias}.thread_id, ${alias}.run_id, ${alias}.parent_id::text AS parent_id`);

const ROW_COLUMNS = Prisma.sql`${identity('s')}, ${stateTextColumn('s')} AS state_json, ${metadataTextColumn('s')} AS metadata_json, ${createdMsColumn('s')} AS created_ms`;

export async function selectLatest(db: Queryable, userId: string, threadId: string): Promise<ReadRow | undefined> {
  const rows = await db.rows<ReadRow>(Prisma.sql`
    SELECT ${ROW_COLUMNS} FROM agent_state_snapshots s
    WHERE s.user_id = ${userId} AND s.thread_id = ${threadId}
    ORDER BY s.seq DESC LIMIT 1`);
  return rows[0];
}

/** The owner is part of the lookup: another user's snapshot is simply not found. */
export async function selectSnapshot(db: Queryable, userId: string, id: string): Promise<ReadRow | undefined> {
  const rows = await db.rows<ReadRow>(Prisma.sql`
    SELECT ${ROW_COLUMNS} FROM agent_state_snapshots s
    WHERE s.id = ${id}::uuid AND s.user_id = ${userId}`);
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

export type PageRow = ReadRow & { seq: string | bigint; candidates: string | bigint | number };

/** Above any seq: the first page's `seq < $n` keeps the text the same as the next pages'. */
const NO_CURSOR = '9223372036854775807';

/**
 * One page, newest first: up to limit + 1 candidates (to know whether there is
 * a next page, from `candidates`), cut at the byte budget. The running size
 * counts the rows before each one, so the first row always fits. The
 * candidate past `limit` is never converted to text nor sent.
 */
export async function selectPage(db: Queryable, q: PageQuery): Promise<PageRow[]> {
  const filters = [Prisma.sql`s.user_id = ${q.userId}`];
  if (q.threadId !== null) filters.push(Prisma.sql`s.thread_id = ${q.threadId}`);
  if (q.runId !== null) filters.push(Prisma.sql`s.run_id = ${q.runId}`);
  filters.push(Prisma.sql`s.seq < ${q.before === null ? NO_CURSOR : q.before.toString()}::bigint`);
  const inPage = Prisma.sql`row_number() OVER (ORDER BY s.seq DESC) <= ${q.limit}::int`;
  return db.rows<PageRow>(Prisma.sql`
    SELECT id, user_id, thread_id, run_id, parent_id, state_json, metadata_json, created_ms, seq, candidates FROM (
      SELECT c.*, count(*) OVER () AS candidates,
             coalesce(sum(octet_length(c.state_json) + octet_length(c.metadata_json)) OVER (ORDER BY c.seq DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS bytes_before
      FROM (
        SELECT ${identity('s')}, s.seq,
               CASE WHEN ${inPage} THEN ${stateTextColumn('s')} END AS state_json,
               CASE WHEN ${inPage} THEN ${metadataTextColumn('s')} END AS metadata_json,
               ${createdMsColumn('s')} AS created_ms
        FROM agent_state_snapshots s
        WHERE ${Prisma.join(filters, ' AND ')}
        ORDER BY s.seq DESC
        LIMIT ${q.limit}::int + 1
      ) c
    ) sized
    WHERE state_json IS NOT NULL AND bytes_before < ${q.maxBytes}::bigint
    ORDER BY seq DESC`);
}

/**
 * The snapshot, then its parent, … within the owner's rows: the walk stops at
 * `limit` rows or once the rows so far reach the byte budget (summed in SQL,
 * before anything is sent).
 */
export async function selectLineage(db: Queryable, userId: string, id: string, limit: number, maxBytes: number): Promise<ReadRow[]> {
  return db.rows<ReadRow>(Prisma.sql`
    WITH RECURSIVE chain AS (
      SELECT s.id, s.user_id, s.thread_id, s.run_id, s.parent_id, s.created_at, t.state_json, t.metadata_json,
             1 AS depth, (octet_length(t.state_json) + octet_length(t.metadata_json))::bigint AS bytes
      FROM agent_state_snapshots s, LATERAL (SELECT ${stateTextColumn('s')} AS state_json, ${metadataTextColumn('s')} AS metadata_json OFFSET 0) t
      WHERE s.id = ${id}::uuid AND s.user_id = ${userId}
      UNION ALL
      SELECT p.id, p.user_id, p.thread_id, p.run_id, p.parent_id, p.created_at, t.state_json, t.metadata_json,
             chain.depth + 1, chain.bytes + octet_length(t.state_json) + octet_length(t.metadata_json)
      FROM chain JOIN agent_state_snapshots p ON p.id = chain.parent_id AND p.user_id = chain.user_id,
           LATERAL (SELECT ${stateTextColumn('p')} AS state_json, ${metadataTextColumn('p')} AS metadata_json OFFSET 0) t
      WHERE chain.depth < ${limit}::int AND chain.bytes < ${maxBytes}::bigint
    )
    SELECT ${identity('chain')}, chain.state_json, chain.metadata_json, ${createdMsColumn('chain')} AS created_ms
    FROM chain ORDER BY chain.depth`);
}

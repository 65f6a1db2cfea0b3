// The doctor's reads. Each is one statement; identifiers are quoted, values are parameters.
import { Prisma, type PrismaClient } from '@agentstate/db';
import { ageBucketCutoffs } from './checks';
import type { ExpectedForeignKey, FoundForeignKey, GrowingStateReport, Orphans, RefusalCount, UserStoredBytes } from './types';

/** Examples of orphan keys per foreign key. */
export const ORPHAN_EXAMPLES = 5;

// Names come from the schema, but a name must never be able to become SQL.
function ident(name: string): Prisma.Sql {
  return Prisma.raw(`"${name.replace(/"/g, '""')}"`);
}

/** count(*) is bigint: the pg adapter gives a bigint, a number fits any realistic count. */
function toNumber(value: bigint | number | null | undefined): number {
  return Number(value ?? 0);
}

/** Tables of the current schema (the one the client's queries resolve names in). */
export async function readTables(prisma: PrismaClient): Promise<Set<string>> {
  const rows = await prisma.$queryRaw<Array<{ name: string }>>`
    SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`;
  return new Set(rows.map((row) => row.name));
}

/** pg_constraint's action codes in SQL words. */
const ACTION = (column: Prisma.Sql) =>
  Prisma.sql`CASE ${column} WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END`;

/** Every foreign key constraint on the tables of the current schema, key columns in constraint order, with its actions, deferrability and match type. */
export async function readForeignKeys(prisma: PrismaClient): Promise<FoundForeignKey[]> {
  return prisma.$queryRaw<FoundForeignKey[]>`
    SELECT c.conname::text AS "constraint", rel.relname::text AS "table", ref.relname::text AS "referencedTable",
           c.convalidated AS "validated", c.condeferrable AS "deferrable",
           ${ACTION(Prisma.raw('c.confdeltype'))} AS "onDelete", ${ACTION(Prisma.raw('c.confupdtype'))} AS "onUpdate",
           CASE c.confmatchtype WHEN 'f' THEN 'FULL' WHEN 'p' THEN 'PARTIAL' ELSE 'SIMPLE' END AS "match",
           ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS "columns",
           ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS "referencedColumns"
    FROM pg_constraint c
    JOIN pg_class rel ON rel.oid = c.conrelid
    JOIN pg_namespace n ON n.oid = rel.relnamespace
    JOIN pg_class ref ON ref.oid = c.confrelid
    WHERE c.contype = 'f' AND n.nspname = current_schema()
    ORDER BY rel.relname, c.conname`;
}

/**
 * Rows of the owning table whose key, when fully non-null (PostgreSQL's MATCH
 * SIMPLE ignores a key with a null column), has no referenced row: an anti-join
 * on the referenced key (its primary key or a unique index, so cheap), grouped
 * by key. Window sums give the totals in the same statement as the examples.
 */
export async function countOrphans(prisma: PrismaClient, fk: ExpectedForeignKey): Promise<Orphans> {
  const own = fk.columns.map((column) => Prisma.sql`o.${ident(column)}`);
  const matches = own.map((column, i) => Prisma.sql`r.${ident(fk.referencedColumns[i] ?? '')} = ${column}`);
  const rows = await prisma.$queryRaw<Array<Record<string, string> & { row_count: bigint; key_count: bigint; total: bigint }>>`
    SELECT ${Prisma.join(own.map((column, i) => Prisma.sql`${column}::text AS ${ident(`k${i}`)}`))},
           count(*) AS row_count, count(*) OVER () AS key_count, (sum(count(*)) OVER ())::bigint AS total
    FROM ${ident(fk.table)} o
    WHERE ${Prisma.join(own.map((column) => Prisma.sql`${column} IS NOT NULL`), ' AND ')}
      AND NOT EXISTS (SELECT 1 FROM ${ident(fk.referencedTable)} r WHERE ${Prisma.join(matches, ' AND ')})
    GROUP BY ${Prisma.join(own)}
    ORDER BY count(*) DESC, ${Prisma.join(own)}
    LIMIT ${ORPHAN_EXAMPLES}`;
  return {
    rows: toNumber(rows[0]?.total),
    keys: toNumber(rows[0]?.key_count),
    examples: rows.map((row) => ({
      key: Object.fromEntries(fk.columns.map((column, i) => [column, row[`k${i}`] as string])),
      rows: toNumber(row.row_count),
    })),
  };
}

/** Auto-provisioned users per age bucket (index into AGE_BUCKETS), by created_at relative to `now`. */
export async function countAutoProvisionedByAge(prisma: PrismaClient, now: Date): Promise<number[]> {
  const cutoffs = ageBucketCutoffs(now);
  const whens = cutoffs.map((cutoff, i) => Prisma.sql`WHEN created_at > ${cutoff.toISOString()}::timestamptz THEN ${i}::int`);
  const rows = await prisma.$queryRaw<Array<{ bucket: number; n: bigint }>>`
    SELECT CASE ${Prisma.join(whens, ' ')} ELSE ${cutoffs.length}::int END AS bucket, count(*) AS n
    FROM userbase WHERE auto_provisioned = ${true}
    GROUP BY 1`;
  const counts: number[] = cutoffs.map(() => 0).concat(0);
  for (const row of rows) counts[row.bucket] = toNumber(row.n);
  return counts;
}

/** Refused provisioning attempts since `since`, per reason code and environment, most first. */
export async function countRefusals(prisma: PrismaClient, since: Date): Promise<RefusalCount[]> {
  const rows = await prisma.$queryRaw<Array<{ reason_code: string; environment: string; n: bigint }>>`
    SELECT reason_code, environment, count(*) AS n
    FROM user_provisioning_audit
    WHERE outcome = ${'refused'} AND created_at >= ${since.toISOString()}::timestamptz
    GROUP BY reason_code, environment
    ORDER BY count(*) DESC, reason_code, environment`;
  return rows.map((row) => ({ reasonCode: row.reason_code, environment: row.environment, count: toNumber(row.n) }));
}

/** Threads and users listed by the growing-state part of the report. */
export const GROWING_STATE_TOP = 5;

/**
 * Element rows no layout references, per thread, most first: per thread the
 * ranges its layouts (snapshots' and checkpoint blobs', as the write path's
 * collection computes them) cover, then the rows outside them.
 */
export async function countUnreferencedElements(prisma: PrismaClient): Promise<GrowingStateReport['unreferencedElements']> {
  const rows = await prisma.$queryRaw<Array<{ user_id: string; thread_id: string; n: bigint; threads: bigint; total: bigint }>>`
    WITH kept AS (
      SELECT t.user_id, t.thread_id, (
        SELECT range_agg(int8range((r.v->>0)::int8, (r.v->>1)::int8, '[]'))
        FROM (SELECT s.layout FROM agent_state_snapshots s WHERE s.user_id = t.user_id AND s.thread_id = t.thread_id AND s.layout IS NOT NULL
              UNION ALL
              SELECT b.layout FROM agent_checkpoint_blobs b WHERE b.user_id = t.user_id AND b.thread_id = t.thread_id AND b.layout IS NOT NULL) l,
             jsonb_array_elements(l.layout) r(v)
        WHERE jsonb_typeof(r.v) = 'array') AS seqs
      FROM (SELECT DISTINCT user_id, thread_id FROM agent_state_elements) t)
    SELECT e.user_id::text AS user_id, e.thread_id::text AS thread_id, count(*) AS n,
           count(*) OVER () AS threads, (sum(count(*)) OVER ())::bigint AS total
    FROM agent_state_elements e JOIN kept k ON k.user_id = e.user_id AND k.thread_id = e.thread_id
    WHERE k.seqs IS NULL OR NOT k.seqs @> e.seq
    GROUP BY e.user_id, e.thread_id
    ORDER BY count(*) DESC, e.user_id, e.thread_id
    LIMIT ${GROWING_STATE_TOP}`;
  return {
    rows: toNumber(rows[0]?.total),
    threads: toNumber(rows[0]?.threads),
    top: rows.map((row) => ({ userId: row.user_id, threadId: row.thread_id, rows: toNumber(row.n) })),
  };
}

/** The users storing the most bytes over snapshots, elements and checkpoint blobs (pg_column_size of whole rows), most first. */
export async function largestUsersByStoredBytes(prisma: PrismaClient): Promise<UserStoredBytes[]> {
  const rows = await prisma.$queryRaw<Array<{ user_id: string; snapshots: bigint; elements: bigint; blobs: bigint; bytes: bigint }>>`
    SELECT user_id::text AS user_id, sum(snapshots)::bigint AS snapshots, sum(elements)::bigint AS elements, sum(blobs)::bigint AS blobs,
           sum(snapshots + elements + blobs)::bigint AS bytes
    FROM (SELECT user_id, pg_column_size(s.*)::int8 AS snapshots, 0::int8 AS elements, 0::int8 AS blobs FROM agent_state_snapshots s
          UNION ALL SELECT user_id, 0, pg_column_size(e.*)::int8, 0 FROM agent_state_elements e
          UNION ALL SELECT user_id, 0, 0, pg_column_size(b.*)::int8 FROM agent_checkpoint_blobs b) rows
    GROUP BY user_id
    ORDER BY sum(snapshots + elements + blobs) DESC, user_id
    LIMIT ${GROWING_STATE_TOP}`;
  return rows.map((row) => ({
    userId: row.user_id,
    bytes: toNumber(row.bytes),
    snapshotBytes: toNumber(row.snapshots),
    elementBytes: toNumber(row.elements),
    checkpointBlobBytes: toNumber(row.blobs),
  }));
}

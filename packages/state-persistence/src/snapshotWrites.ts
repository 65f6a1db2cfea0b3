/**
 * The write strategy, in one place. Each save is ONE SQL statement:
 *  - steady state (every referenced row known to exist): INSERT ... SELECT,
 *    the foreign keys do the existence checks for free; a missing row surfaces
 *    as a foreign key violation that the service turns into a typed error.
 *  - provisioning (a referenced row may be missing and its rule allows
 *    creating it): a single statement whose CTEs insert the user and/or thread
 *    (ON CONFLICT DO NOTHING), the audit row and the snapshot. One statement
 *    is one transaction: they commit or roll back together; concurrent first
 *    saves for the same new user cannot fail (the losers' INSERT waits, then
 *    does nothing), and existing rows are never modified.
 * This replaces Prisma's nested connectOrCreate (a SELECT-then-INSERT
 * transaction that races with P2002 and is dropped in Prisma 8) with the
 * atomic upsert it approximates; see SPEC/learnings.
 */
import { Prisma } from '@agentstate/db';
import type { PrismaClient, SqlRunner } from '@agentstate/db';

/** What a write returns: the database-assigned columns. The rest is what was written. */
export interface WrittenRow {
  id: string;
  created_at: Date;
  /** provisioning path only: 'created' | 'already-existed' for the policy-decided reference */
  provisioning?: string | null;
}

/**
 * Where a statement runs: through Prisma ($queryRaw; also an interactive
 * transaction's client) or, for the hot single-statement saves on
 * PostgreSQL, straight on the pg pool under Prisma's adapter (same
 * connections, none of Prisma's per-query overhead). Statements are built
 * with Prisma.sql either way, so parameters are always bound, never spliced.
 */
export interface Queryable {
  rows<T>(statement: Prisma.Sql): Promise<T[]>;
}

export function viaPrisma(db: Pick<PrismaClient, '$queryRaw'>): Queryable {
  return { rows: <T>(statement: Prisma.Sql) => db.$queryRaw<T[]>(statement) };
}

export function viaDriver(runner: SqlRunner): Queryable {
  // Our statement texts are a small fixed set (values are always parameters): prepare them once per connection.
  return { rows: <T>(statement: Prisma.Sql) => runner.query<T>(statement.text, statement.values, { prepare: true }) };
}

export interface SnapshotRow {
  id: string;
  seq: bigint;
  user_id: string;
  thread_id: string;
  run_id: string;
  parent_id: string | null;
  state_json: string;
  metadata_json: string;
  created_at: Date;
}

export interface SnapshotWrite {
  userId: string;
  threadId: string;
  runId: string;
  parentId: string | null;
  stateJson: string;
  metadataJson: string;
}

export interface AuditRow {
  entity: string;
  subjectId: string;
  decision: string;
  reasonCode: string;
  reason: string;
  environment: string;
}

// Only what the database assigned: sending a large state back would double the traffic.
const RETURNING = Prisma.sql`RETURNING id::text AS id, created_at`;

/** The parent, when given, must be a snapshot of the same user and thread. */
function parentIsValid(w: SnapshotWrite): Prisma.Sql {
  return Prisma.sql`(${w.parentId}::uuid IS NULL OR EXISTS (
    SELECT 1 FROM agent_state_snapshots p WHERE p.id = ${w.parentId}::uuid AND p.user_id = ${w.userId} AND p.thread_id = ${w.threadId}))`;
}

/** Steady state. Returns null when the parent is not valid (nothing written). Throws a foreign key violation when the user is missing. */
export async function insertSnapshot(db: Queryable, w: SnapshotWrite): Promise<WrittenRow | null> {
  // Without a parent there is nothing to check: the plain VALUES form is the cheapest.
  const rows =
    w.parentId === null
      ? await db.rows<WrittenRow>(Prisma.sql`
          INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, state, metadata)
          VALUES (${w.userId}, ${w.threadId}, ${w.runId}, ${w.stateJson}::jsonb, ${w.metadataJson}::jsonb)
          ${RETURNING}`)
      : await db.rows<WrittenRow>(Prisma.sql`
          INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, parent_id, state, metadata)
          SELECT ${w.userId}, ${w.threadId}, ${w.runId}, ${w.parentId}::uuid, ${w.stateJson}::jsonb, ${w.metadataJson}::jsonb
          WHERE ${parentIsValid(w)}
          ${RETURNING}`);
  return rows[0] ?? null;
}

/** A referenced row to create if missing, e.g. the user or the thread. Identifiers come from the data model. */
export interface ReferenceRow {
  table: string;
  /** column -> value */
  values: Record<string, unknown>;
  /** write an audit row for this one, outcome depending on whether it was created */
  audit?: AuditRow;
}

const ident = (name: string) => Prisma.raw(`"${name.replace(/"/g, '""')}"`);

/**
 * Provisioning path: creates each missing referenced row (ON CONFLICT DO
 * NOTHING: existing rows are never modified), writes the audit row, inserts
 * the snapshot; all or nothing, in one statement. Foreign keys are checked at
 * the end of the statement, so the new rows satisfy them.
 * Returns null when the parent is not valid (then nothing at all is written).
 */
export async function insertSnapshotWithReferences(db: Queryable, w: SnapshotWrite, references: ReferenceRow[]): Promise<WrittenRow | null> {
  const ctes: Prisma.Sql[] = [Prisma.sql`valid AS (SELECT ${parentIsValid(w)} AS ok)`];
  let auditOutcome: Prisma.Sql = Prisma.sql`NULL::text`;
  references.forEach((reference, i) => {
    const name = Prisma.raw(`ref_${i}`);
    const columns = Object.keys(reference.values);
    ctes.push(Prisma.sql`${name} AS (
      INSERT INTO ${ident(reference.table)} (${Prisma.join(columns.map(ident))})
      SELECT ${Prisma.join(columns.map((c) => reference.values[c]))} FROM valid WHERE valid.ok
      ON CONFLICT DO NOTHING
      RETURNING 1)`);
    if (reference.audit) {
      const a = reference.audit;
      ctes.push(Prisma.sql`audit AS (
        INSERT INTO user_provisioning_audit (entity, subject_id, outcome, decision, reason_code, reason, environment)
        SELECT ${a.entity}, ${a.subjectId}, CASE WHEN EXISTS (SELECT 1 FROM ${name}) THEN 'created' ELSE 'already-existed' END,
               ${a.decision}, ${a.reasonCode}, ${a.reason}, ${a.environment}
        FROM valid WHERE valid.ok
        RETURNING outcome)`);
      auditOutcome = Prisma.sql`(SELECT outcome FROM audit)`;
    }
  });
  ctes.push(Prisma.sql`snapshot AS (
    INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, parent_id, state, metadata)
    SELECT ${w.userId}, ${w.threadId}, ${w.runId}, ${w.parentId}::uuid, ${w.stateJson}::jsonb, ${w.metadataJson}::jsonb
    FROM valid WHERE valid.ok
    ${RETURNING})`);
  const rows = await db.rows<WrittenRow>(Prisma.sql`WITH ${Prisma.join(ctes, ',\n')} SELECT snapshot.*, ${auditOutcome} AS provisioning FROM snapshot`);
  return rows[0] ?? null;
}

/** An audit row on its own (refusals), optionally inside a transaction. */
export async function insertAuditRow(db: Queryable, audit: AuditRow & { outcome: string }): Promise<void> {
  await db.rows(Prisma.sql`
    INSERT INTO user_provisioning_audit (entity, subject_id, outcome, decision, reason_code, reason, environment)
    VALUES (${audit.entity}, ${audit.subjectId}, ${audit.outcome}, ${audit.decision}, ${audit.reasonCode}, ${audit.reason}, ${audit.environment})`);
}

/** Serialises writers of one thread for the rest of the transaction (expectedParentId saves). */
export async function lockThread(db: Queryable, userId: string, threadId: string): Promise<void> {
  await db.rows(Prisma.sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${userId}/${threadId}`}, 0))::text`);
}

export async function latestSnapshotId(db: Queryable, userId: string, threadId: string): Promise<string | null> {
  const rows = await db.rows<{ id: string }>(Prisma.sql`
    SELECT id::text AS id FROM agent_state_snapshots WHERE user_id = ${userId} AND thread_id = ${threadId} ORDER BY seq DESC LIMIT 1`);
  return rows[0]?.id ?? null;
}

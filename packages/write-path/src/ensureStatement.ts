/**
 * The SQL that ensures a write's referenced rows, in one place. It is either
 * the leading CTEs of a door's own single statement (the service's snapshot
 * insert, the LangGraph saver's checkpoint insert), or a statement of its own
 * (the Prisma extension, before Prisma's write, in the same transaction).
 *
 *  ensure_guard  checks the references that must already exist (and the
 *                door's own condition, e.g. a valid parent), without writing;
 *  ensure_ref_i  INSERT … ON CONFLICT DO NOTHING of each creatable reference,
 *                only when the guard holds: existing rows are never modified;
 *  ensure_audit_i the 'created' audit row of each user row it creates, only
 *                when that row was created.
 *
 * One statement is one transaction and foreign keys are checked at its end,
 * so the rows commit or roll back together, and concurrent first writes for
 * the same new user all succeed with exactly one user row and one audit row
 * (the losers' INSERT waits for the winner, then does nothing). This is the
 * atomic form of Prisma's connectOrCreate, which races (P2002) and is dropped
 * in Prisma 8.
 */
import { Prisma } from '@agentstate/db';
import type { AuditRow } from './audit';
import type { PlannedReference } from './referencePlan';
import type { Queryable } from './queryable';

/** A referenced row to create if missing. Identifiers come from the data model. */
export interface EnsureRow {
  reference: PlannedReference;
  /** column -> value */
  values: Record<string, unknown>;
  /** the 'created' audit row written when this row is created (the user) */
  audit?: AuditRow;
}

/** A referenced row that must already exist (must-exist rule, or a user the policy does not let us create). */
export interface PresenceCheck {
  /** the table to look in, and the name reported in `missing` */
  reference: Pick<PlannedReference, 'referencedTable' | 'field'>;
  /** key column -> value */
  key: Record<string, unknown>;
}

export interface EnsurePlan {
  create: EnsureRow[];
  check: PresenceCheck[];
}

/** What the ensure part of a statement found and did. */
export interface EnsureOutcome {
  /** fields (e.g. "user") of the references that must exist and do not */
  missing: string[];
  /** the door's own condition held */
  doorOk: boolean;
  /** the audited (user) row was created by this statement (any of them, for a multi-row write) */
  userCreated: boolean;
  /** subject ids of the audited rows this statement created (several users: a createMany) */
  created: string[];
}

export interface EnsureClause {
  /** CTEs to put first in the door's WITH list */
  ctes: Prisma.Sql[];
  /** the door writes its row only `FROM ensure_guard WHERE ensure_guard.ok` */
  guardTable: Prisma.Sql;
  /** columns for the door's final SELECT: ensure_missing, ensure_door_ok, ensure_user_created, ensure_created */
  outcomeColumns: Prisma.Sql;
}

/** Columns of a door's result row that carry the EnsureOutcome. */
export interface EnsureOutcomeColumns {
  ensure_missing: string[] | null;
  ensure_door_ok: boolean | null;
  ensure_user_created: boolean | null;
  ensure_created?: string[] | null;
}

export const ident = (name: string) => Prisma.raw(`"${name.replace(/"/g, '""')}"`);

function keyMatches(table: string, key: Record<string, unknown>): Prisma.Sql {
  const conditions = Object.entries(key).map(([column, value]) => Prisma.sql`${ident(column)} = ${value}`);
  return Prisma.sql`EXISTS (SELECT 1 FROM ${ident(table)} WHERE ${Prisma.join(conditions, ' AND ')})`;
}

/** The ensure CTEs for `plan`; `doorGuard` is the door's own boolean condition (default true). */
export function ensureClause(plan: EnsurePlan, doorGuard: Prisma.Sql = Prisma.sql`true`): EnsureClause {
  const missing =
    plan.check.length === 0
      ? Prisma.sql`ARRAY[]::text[]`
      : Prisma.sql`array_remove(ARRAY[${Prisma.join(
          plan.check.map((c) => Prisma.sql`CASE WHEN ${keyMatches(c.reference.referencedTable, c.key)} THEN NULL ELSE ${c.reference.field}::text END`),
        )}], NULL)`;
  const ctes: Prisma.Sql[] = [
    Prisma.sql`ensure_guard AS (
      SELECT c.missing, c.door_ok, (cardinality(c.missing) = 0 AND c.door_ok) AS ok
      FROM (SELECT ${missing} AS missing, (${doorGuard}) AS door_ok) c)`,
  ];
  // One audit CTE per audited row: a multi-row write (createMany) may create several users.
  const created: Prisma.Sql[] = [];
  plan.create.forEach((row, i) => {
    const name = Prisma.raw(`ensure_ref_${i}`);
    const columns = Object.keys(row.values);
    ctes.push(Prisma.sql`${name} AS (
      INSERT INTO ${ident(row.reference.referencedTable)} (${Prisma.join(columns.map(ident))})
      SELECT ${Prisma.join(columns.map((c) => row.values[c]))} FROM ensure_guard WHERE ensure_guard.ok
      ON CONFLICT DO NOTHING
      RETURNING 1)`);
    if (row.audit) {
      const a = row.audit;
      ctes.push(Prisma.sql`${Prisma.raw(`ensure_audit_${i}`)} AS (
        INSERT INTO user_provisioning_audit (entity, subject_id, outcome, decision, reason_code, reason, environment)
        SELECT ${a.entity}, ${a.subjectId}, 'created', ${a.decision}, ${a.reasonCode}, ${a.reason}, ${a.environment}
        WHERE EXISTS (SELECT 1 FROM ${name})
        RETURNING 1)`);
      created.push(Prisma.sql`CASE WHEN EXISTS (SELECT 1 FROM ${name}) THEN ${a.subjectId}::text END`);
    }
  });
  const createdIds = created.length === 0 ? Prisma.sql`ARRAY[]::text[]` : Prisma.sql`array_remove(ARRAY[${Prisma.join(created)}], NULL)`;
  return {
    ctes,
    guardTable: Prisma.sql`ensure_guard`,
    outcomeColumns: Prisma.sql`(SELECT missing FROM ensure_guard) AS ensure_missing, (SELECT door_ok FROM ensure_guard) AS ensure_door_ok,
      cardinality(${createdIds}) > 0 AS ensure_user_created, ${createdIds} AS ensure_created`,
  };
}

export function readEnsureOutcome(row: EnsureOutcomeColumns | undefined): EnsureOutcome {
  return {
    missing: row?.ensure_missing ?? [],
    doorOk: row?.ensure_door_ok ?? false,
    userCreated: row?.ensure_user_created ?? false,
    created: row?.ensure_created ?? [],
  };
}

/** The ensure step as a statement of its own; its one result row is read with readEnsureOutcome. */
export function ensureStatement(plan: EnsurePlan): Prisma.Sql {
  const clause = ensureClause(plan);
  return Prisma.sql`WITH ${Prisma.join(clause.ctes, ',\n')} SELECT ${clause.outcomeColumns}`;
}

/** The ensure step run on its own (the Prisma extension runs it before Prisma's write). */
export async function ensureReferences(db: Queryable, plan: EnsurePlan): Promise<EnsureOutcome> {
  const rows = await db.rows<EnsureOutcomeColumns>(ensureStatement(plan));
  return readEnsureOutcome(rows[0]);
}

// The doctor's decisions, as pure functions: no database, no clock.
import type { DataModel, Reference } from '@agentstate/db';
import type { ConstraintState, ExpectedForeignKey, ForeignKeyCheck, FoundForeignKey, Problem, ReferentialAction, Verdict } from './types';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Prisma's referential actions in SQL words. */
const SQL_ACTIONS: Record<Reference['onDelete'], ReferentialAction> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};

/** Every foreign key of the schema, in data model order (owning model, then relation field). */
export function expectedForeignKeys(dataModel: DataModel): ExpectedForeignKey[] {
  return [...dataModel.references.values()].flat().map((reference) => {
    const owner = dataModel.models.get(reference.model);
    if (!owner) throw new Error(`data model: reference ${reference.constraint} names unknown model ${reference.model}`);
    return {
      constraint: reference.constraint,
      model: reference.model,
      field: reference.field,
      required: reference.required,
      table: owner.table,
      columns: reference.keys.map((k) => k.fromColumn),
      referencedTable: reference.referencedTable,
      referencedColumns: reference.keys.map((k) => k.toColumn),
      onDelete: SQL_ACTIONS[reference.onDelete],
      onUpdate: SQL_ACTIONS[reference.onUpdate],
    };
  });
}

/**
 * The database's constraint for an expected foreign key, found by what it
 * enforces, not by name: among the constraints on its table with the same key
 * and referenced table, one with the whole definition right (then validated,
 * then the expected name) is preferred. Without any, the constraint of the
 * expected name (which then enforces something else: a mismatch), if there is one.
 */
export function findConstraint(expected: ExpectedForeignKey, found: readonly FoundForeignKey[]): FoundForeignKey | undefined {
  const sameKey = found.filter((f) => f.table === expected.table && f.referencedTable === expected.referencedTable && sameColumnPairs(f, expected));
  const score = (f: FoundForeignKey) => (definitionDifferences(expected, f).length === 0 ? 4 : 0) + (f.validated ? 2 : 0) + (f.constraint === expected.constraint ? 1 : 0);
  const best = sameKey.sort((a, b) => score(b) - score(a))[0];
  return best ?? found.find((f) => f.table === expected.table && f.constraint === expected.constraint);
}

/**
 * The state of one expected foreign key, given the database's constraint for
 * it (undefined: none; see findConstraint). Column pairs are compared as a
 * set, so (a, b) -> (x, y) equals (b, a) -> (y, x): PostgreSQL enforces both alike.
 */
export function classifyConstraint(
  expected: ExpectedForeignKey,
  found: FoundForeignKey | undefined,
): { state: ConstraintState; differences: string[] } {
  if (!found) return { state: 'missing', differences: [] };
  const differences: string[] = [];
  if (found.referencedTable !== expected.referencedTable) {
    differences.push(`references table ${found.referencedTable}, expected ${expected.referencedTable}`);
  }
  if (!sameColumnPairs(found, expected)) {
    differences.push(`key ${keyText(found.columns, found.referencedColumns)}, expected ${keyText(expected.columns, expected.referencedColumns)}`);
  }
  differences.push(...definitionDifferences(expected, found));
  if (differences.length > 0) return { state: 'mismatch', differences };
  return { state: found.validated ? 'ok' : 'not-valid', differences };
}

/** What differs besides the key: actions, deferrability, match type (Prisma Migrate makes NOT DEFERRABLE, MATCH SIMPLE keys). */
function definitionDifferences(expected: ExpectedForeignKey, found: FoundForeignKey): string[] {
  const differences: string[] = [];
  if (found.onDelete !== expected.onDelete) differences.push(`ON DELETE ${found.onDelete}, expected ${expected.onDelete}`);
  if (found.onUpdate !== expected.onUpdate) differences.push(`ON UPDATE ${found.onUpdate}, expected ${expected.onUpdate}`);
  if (found.deferrable) differences.push('DEFERRABLE, expected NOT DEFERRABLE');
  if (found.match !== 'SIMPLE') differences.push(`MATCH ${found.match}, expected MATCH SIMPLE`);
  return differences;
}

function sameColumnPairs(a: { columns: string[]; referencedColumns: string[] }, b: { columns: string[]; referencedColumns: string[] }): boolean {
  return columnPairs(a.columns, a.referencedColumns) === columnPairs(b.columns, b.referencedColumns);
}

function columnPairs(columns: string[], referenced: string[]): string {
  return columns
    .map((c, i) => JSON.stringify([c, referenced[i] ?? null]))
    .sort()
    .join();
}

function keyText(columns: string[], referenced: string[]): string {
  return `(${columns.join(', ')}) -> (${referenced.join(', ')})`;
}

/** Age buckets of auto-provisioned users; a user falls in the first whose upper bound its age is below. */
export const AGE_BUCKETS: ReadonlyArray<{ label: string; belowDays: number }> = [
  { label: '< 1 day', belowDays: 1 },
  { label: '1-7 days', belowDays: 7 },
  { label: '7-30 days', belowDays: 30 },
  { label: '> 30 days', belowDays: Infinity },
];

/** The creation times separating the buckets: created after cutoffs[i] means younger than AGE_BUCKETS[i]. */
export function ageBucketCutoffs(now: Date): Date[] {
  return AGE_BUCKETS.filter((b) => Number.isFinite(b.belowDays)).map((b) => new Date(now.getTime() - b.belowDays * DAY_MS));
}

/** Start of the refusal window: the last `days` days up to `now`. */
export function windowStart(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

/** Problems are a foreign key that is not ok, and orphan rows under any foreign key (valid constraints included). */
export function computeVerdict(foreignKeys: readonly ForeignKeyCheck[]): Verdict {
  const problems: Problem[] = [];
  for (const fk of foreignKeys) {
    if (fk.state !== 'ok') problems.push({ kind: fk.state, constraint: fk.constraint });
    if (fk.orphans.rows > 0) problems.push({ kind: 'orphans', constraint: fk.constraint, rows: fk.orphans.rows });
  }
  if (problems.length === 0) return { healthy: true, problems, line: 'fk:doctor: healthy' };

  const count = (kind: Problem['kind']) => problems.filter((p) => p.kind === kind).length;
  const orphanRows = problems.reduce((sum, p) => sum + (p.kind === 'orphans' ? p.rows : 0), 0);
  const parts = [
    plural(count('missing'), 'foreign key', 'foreign keys', 'missing'),
    plural(count('not-valid'), 'foreign key', 'foreign keys', 'NOT VALID'),
    plural(count('mismatch'), 'foreign key', 'foreign keys', 'different from the schema'),
    plural(orphanRows, 'orphan row', 'orphan rows'),
  ].filter((part) => part !== '');
  return { healthy: false, problems, line: `fk:doctor: ${plural(problems.length, 'problem', 'problems')} (${parts.join(', ')})` };
}

function plural(n: number, one: string, many: string, suffix = ''): string {
  if (n === 0) return '';
  return `${n} ${n === 1 ? one : many}${suffix ? ` ${suffix}` : ''}`;
}

/**
 * Which reference a failed write is missing, and the typed error that names
 * it with its real rule. Presence is read on the direct connection: a
 * caller's transaction may be aborted by then.
 */
import type { DataModel } from '@agentstate/db';
import { foreignKeyViolation } from './databaseErrors';
import { ensurePlan, referencedKey } from './ensurePlan';
import { ensureReferences } from './ensureStatement';
import { UnknownReferenceError } from './errors';
import type { PreparedWrite } from './prepareWrite';
import type { Queryable } from './queryable';
import { referenceKeyText, type PlannedReference, type ReferencePlan } from './referencePlan';
import { unknownUser, type RefusalContext } from './refusals';

/** A reference found missing, and the row that needs it. */
export interface MissingReference {
  row: PreparedWrite;
  field: string;
}

/** Which references of which rows are missing now (read outside any transaction). */
export async function findMissing(direct: Queryable, rows: readonly PreparedWrite[]): Promise<MissingReference[]> {
  const out: MissingReference[] = [];
  for (const row of rows) {
    const check = row.plan.required.map((reference) => ({ reference, key: referencedKey(reference, row.values) }));
    for (const field of (await ensureReferences(direct, { create: [], check })).missing) out.push({ row, field });
  }
  return out;
}

/**
 * The rows behind the ensure step's missing fields. One row: that row. Several
 * rows: whichever are missing now, else (seen only inside the caller's
 * transaction) the first row that had to check such a reference.
 */
export async function missingOf(direct: Queryable, rows: readonly PreparedWrite[], fields: readonly string[]): Promise<MissingReference[]> {
  if (rows.length === 1) return fields.map((field) => ({ row: rows[0] as PreparedWrite, field }));
  const now = (await findMissing(direct, rows)).filter((m) => fields.includes(m.field));
  if (now.length > 0) return now;
  const checking = rows.find((row) => ensurePlan([row]).check.some((c) => fields.includes(c.reference.field))) ?? (rows[0] as PreparedWrite);
  return fields.map((field) => ({ row: checking, field }));
}

/** The typed error for the first missing reference (the user first), naming its real rule. */
export async function missingReferenceError(context: RefusalContext, missing: readonly MissingReference[]): Promise<Error> {
  const first = missing[0] as MissingReference;
  const prepared = first.row;
  const fields = missing.filter((m) => m.row === prepared).map((m) => m.field);
  const reference = prepared.plan.required.find((r) => fields.includes(r.field)) as PlannedReference;
  const { decision } = prepared.decided;
  context.telemetry.foreignKeyViolation(context.door, reference.referencedModel, 'typed-error');
  if (reference.rule.kind === 'policy') return unknownUser(context, decision);
  return new UnknownReferenceError(reference.referencedModel, referenceKeyText(reference, prepared.values), reference.rule.kind);
}

/** The planned reference a foreign key violation is about: directly, or through a referenced row's own key (thread -> user). Pure. */
export function violatedReference(dataModel: DataModel, target: ReferencePlan, error: unknown): PlannedReference | null {
  const violation = foreignKeyViolation(error);
  const reference = violation ? dataModel.byConstraint.get(violation.constraint) : undefined;
  if (!reference) return null;
  if (reference.model === target.model) return target.required.find((r) => r.constraint === reference.constraint) ?? null;
  return target.required.find((r) => r.referencedModel === reference.referencedModel) ?? null;
}

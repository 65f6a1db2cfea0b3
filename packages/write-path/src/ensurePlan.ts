/**
 * The ensure plan of a write: exactly what a cache-less writer sends. Every
 * creatable reference is created if missing (the user with the policy's
 * defaults and its 'created' audit row, a thread with its rule's defaults),
 * every other one is checked, and each referenced row appears once however
 * many rows of the write point at it. Pure.
 */
import { auditColumns, auditEvent } from './audit';
import type { EnsurePlan } from './ensureStatement';
import type { PreparedWrite } from './prepareWrite';
import { referenceKey, type KeyValues, type PlannedReference } from './referencePlan';

export function ensurePlan(rows: readonly PreparedWrite[]): EnsurePlan {
  const plan: EnsurePlan = { create: [], check: [] };
  const planned = new Set<string>();
  for (const prepared of rows) {
    const { decided, values } = prepared;
    for (const reference of prepared.plan.required) {
      const cacheKey = referenceKey(reference, values);
      if (planned.has(cacheKey)) continue;
      planned.add(cacheKey);
      const key = referencedKey(reference, values);
      const rule = reference.rule;
      const defaults =
        rule.kind === 'create-on-first-use'
          ? (rule.defaults ?? {})
          : rule.kind === 'policy' && decided.kind === 'write' && decided.userMayBeCreated && decided.decision.kind === 'create-if-missing'
            ? decided.decision.defaults
            : null;
      if (!defaults) {
        plan.check.push({ reference, key });
        continue;
      }
      const row: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(defaults)) row[reference.columnOf(field)] = value;
      // The key columns come from the written row itself and win over any default.
      Object.assign(row, key);
      const audit = rule.kind === 'policy' ? auditColumns(auditEvent(decided.decision, 'created')) : undefined;
      plan.create.push({ reference, values: row, ...(audit ? { audit } : {}) });
    }
  }
  return plan;
}

/** The referenced row's key (its columns and values), from the written row's values. */
export function referencedKey(reference: PlannedReference, values: KeyValues): Record<string, unknown> {
  return Object.fromEntries(reference.keys.map((k) => [k.toColumn, values[k.from]]));
}

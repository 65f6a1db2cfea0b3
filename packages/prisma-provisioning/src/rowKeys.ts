/**
 * Reading a write's rows: which foreign key values each row gives for the
 * required references of its model, in either form Prisma accepts — the
 * scalars (`userId`, `threadId`) or the relation's `connect` by its key
 * (`user: { connect: { id } }`, `thread: { connect: { userId_id: { userId, id } } }`).
 * Pure functions over the arguments; nothing here decides anything.
 */
import type { ReferencePlan } from '@agentstate/write-path';

/** The operations the extension guards, and where each keeps its new rows. */
export const GUARDED_OPERATIONS = ['create', 'createMany', 'createManyAndReturn', 'upsert'] as const;
export type GuardedOperation = (typeof GUARDED_OPERATIONS)[number];

/** The rows a top-level write creates: `data` (one or an array), or an upsert's `create`. */
export function rowsOf(operation: GuardedOperation, args: unknown): unknown[] {
  const a = (args ?? {}) as { data?: unknown; create?: unknown };
  if (operation === 'upsert') return [a.create];
  if (operation === 'create') return [a.data];
  return Array.isArray(a.data) ? a.data : [a.data];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The key values (field of the written model -> value) of every required
 * reference of `plan` in `row`, or null when some reference is written in
 * another form (nested create, connectOrCreate, connect by another unique
 * field): such a row is not provisioned (its ids are still decided, see writeTree.ts).
 */
export function rowKeyValues(plan: ReferencePlan, row: unknown): Record<string, unknown> | null {
  if (!isObject(row)) return null;
  const values: Record<string, unknown> = {};
  for (const reference of plan.required) {
    const target = connectTarget(row[reference.field], reference.keys.map((k) => k.to));
    for (const key of reference.keys) {
      // A key shared by two references (userId of user and of thread) is read once.
      if (values[key.from] !== undefined) continue;
      const value = row[key.from] !== undefined ? row[key.from] : target?.[key.to];
      if (value === undefined) return null;
      values[key.from] = value;
    }
  }
  return values;
}

/** `{ connect: { id } }` or, for a compound key, `{ connect: { userId_id: { userId, id } } }`. */
function connectTarget(relation: unknown, toFields: readonly string[]): Record<string, unknown> | null {
  if (!isObject(relation) || !isObject(relation.connect)) return null;
  const connect = relation.connect;
  if (toFields.length === 1) return connect;
  const compound = connect[toFields.join('_')];
  return isObject(compound) ? compound : connect;
}

/** The fields of `model` that its required references' foreign keys are built from. */
export function requiredKeyFields(references: ReadonlyArray<{ required: boolean; keys: ReadonlyArray<{ from: string }> }>): string[] {
  return [...new Set(references.filter((r) => r.required).flatMap((r) => r.keys.map((k) => k.from)))];
}

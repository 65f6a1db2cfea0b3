/**
 * Every required reference of a snapshot, and how it is satisfied. Rules are
 * declared per referenced model:
 *  - 'policy':              the provisioning policy decides (create-if-missing
 *                           with its defaults, must exist, or refuse) — users;
 *  - 'create-on-first-use': created in the same statement as the snapshot for
 *                           any save the policy allows — threads;
 *  - 'must-exist':          never created here; a missing row is a typed error.
 * The plan is derived from Prisma's data model at start-up, and creating the
 * service fails if a required relation has no rule: adding a required
 * relation to the schema cannot silently bring back foreign key violations.
 */
import type { DataModel, Reference } from '@agentstate/db';
import { StatePersistenceError } from './errors';

export type ReferenceRule =
  | { kind: 'policy' }
  | { kind: 'create-on-first-use'; defaults?: Record<string, unknown> }
  | { kind: 'must-exist' };

export const DEFAULT_REFERENCE_RULES: Readonly<Record<string, ReferenceRule>> = Object.freeze({
  User: { kind: 'policy' },
  AgentThread: { kind: 'create-on-first-use', defaults: { autoProvisioned: true } },
});

/** A required relation of the snapshot model has no provisioning rule (start-up check). */
export class MissingReferenceRuleError extends StatePersistenceError {
  constructor(readonly missing: Array<{ field: string; model: string }>) {
    super(
      'REFERENCE_RULE_MISSING',
      `AgentStateSnapshot has required relation(s) with no provisioning rule: ${missing.map((m) => `${m.field} -> ${m.model}`).join(', ')}. ` +
        "Declare one per referenced model in referenceRules: { kind: 'policy' | 'create-on-first-use' | 'must-exist' }, " +
        'so that saves can never fail on a missing referenced row unexpectedly.',
    );
  }
}

export interface PlannedReference extends Reference {
  rule: ReferenceRule;
  /** field name -> column of the referenced model, for the row defaults */
  columnOf(field: string): string;
}

export interface SnapshotReferencePlan {
  /** required references, in schema order */
  required: PlannedReference[];
  /** the reference the policy decides on (User) */
  policyReference: PlannedReference;
  /** which reference a violated foreign key constraint belongs to */
  byConstraint: Map<string, Reference>;
}

export const SNAPSHOT_MODEL = 'AgentStateSnapshot';
/** the snapshot fields saveSnapshot fills, from which foreign keys are built */
const SUPPLIED_FIELDS: readonly string[] = ['userId', 'threadId'];

export function planSnapshotReferences(dataModel: DataModel, rules: Readonly<Record<string, ReferenceRule>> = DEFAULT_REFERENCE_RULES): SnapshotReferencePlan {
  const references = dataModel.references.get(SNAPSHOT_MODEL);
  if (!references) throw new StatePersistenceError('REFERENCE_RULE_MISSING', `The data model has no ${SNAPSHOT_MODEL} model`);
  const required = references.filter((r) => r.required);
  const missing = required.filter((r) => !Object.prototype.hasOwnProperty.call(rules, r.referencedModel));
  if (missing.length > 0) throw new MissingReferenceRuleError(missing.map((r) => ({ field: r.field, model: r.referencedModel })));

  const unfillable = required.filter((r) => r.keys.some((k) => !SUPPLIED_FIELDS.includes(k.from)));
  if (unfillable.length > 0) {
    throw new StatePersistenceError(
      'REFERENCE_RULE_MISSING',
      `AgentStateSnapshot relation(s) ${unfillable.map((r) => r.field).join(', ')} use foreign key fields the service does not fill (it fills ${SUPPLIED_FIELDS.join(', ')})`,
    );
  }
  const planned = required.map((reference): PlannedReference => {
    const model = dataModel.models.get(reference.referencedModel);
    const rule = rules[reference.referencedModel] as ReferenceRule;
    return {
      ...reference,
      rule,
      columnOf(field: string) {
        const column = model?.fields.find((f) => f.name === field && f.kind !== 'object')?.column;
        if (!column) throw new StatePersistenceError('REFERENCE_RULE_MISSING', `Defaults for ${reference.referencedModel} name a field it does not have: "${field}"`);
        return column;
      },
    };
  });
  const policyReferences = planned.filter((r) => r.rule.kind === 'policy');
  if (policyReferences.length !== 1) {
    throw new StatePersistenceError(
      'REFERENCE_RULE_MISSING',
      `Exactly one required reference must be decided by the provisioning policy (the user); found ${policyReferences.map((r) => r.referencedModel).join(', ') || 'none'}`,
    );
  }
  return { required: planned, policyReference: policyReferences[0] as PlannedReference, byConstraint: dataModel.byConstraint };
}

/** Cache key of the referenced row a snapshot write points at (ids cannot contain '/'). */
export function referenceKey(reference: Reference, snapshot: { userId: string; threadId?: string }): string {
  const values = snapshot as Record<string, unknown>;
  return `${reference.referencedModel}:${reference.keys.map((k) => String(values[k.from])).join('/')}`;
}

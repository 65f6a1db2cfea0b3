/**
 * Every required reference of a model that a door writes (snapshots through
 * the service, checkpoints through the LangGraph saver, any model through the
 * Prisma extension), and how it is satisfied. Rules are declared per
 * referenced model:
 *  - 'policy':              the provisioning policy decides (create-if-missing
 *                           with its defaults, must exist, or refuse) — users;
 *  - 'create-on-first-use': created in the same statement as the row for any
 *                           write the policy allows — threads;
 *  - 'must-exist':          never created here; a missing row is a typed error.
 * Plans are derived from Prisma's data model at start-up, and creating a door
 * fails if a required relation has no rule: adding a required relation to the
 * schema cannot silently bring back foreign key violations.
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

/** A required relation of a written model has no provisioning rule (start-up check). */
export class MissingReferenceRuleError extends StatePersistenceError {
  constructor(
    model: string,
    readonly missing: Array<{ field: string; model: string }>,
  ) {
    super(
      'REFERENCE_RULE_MISSING',
      `${model} has required relation(s) with no provisioning rule: ${missing.map((m) => `${m.field} -> ${m.model}`).join(', ')}. ` +
        "Declare one per referenced model in referenceRules: { kind: 'policy' | 'create-on-first-use' | 'must-exist' }, " +
        'so that writes can never fail on a missing referenced row unexpectedly.',
    );
  }
}

export interface PlannedReference extends Reference {
  rule: ReferenceRule;
  /** field name of the referenced model -> its column, for the row defaults */
  columnOf(field: string): string;
}

export interface ReferencePlan {
  /** the model whose rows are written */
  model: string;
  /** its required references, the policy-decided one first, then in schema order */
  required: PlannedReference[];
  /** the reference the policy decides on (the user) */
  policyReference: PlannedReference;
}

/**
 * The plan for writing rows of `model`. `suppliedFields`: the fields of
 * `model` the door fills (its foreign key values come from there); a
 * required reference keyed on anything else cannot be ensured, so it fails here.
 */
export function planReferences(
  dataModel: DataModel,
  model: string,
  suppliedFields: readonly string[],
  rules: Readonly<Record<string, ReferenceRule>> = DEFAULT_REFERENCE_RULES,
): ReferencePlan {
  const references = dataModel.references.get(model);
  if (!references) throw new StatePersistenceError('REFERENCE_RULE_MISSING', `The data model has no ${model} model`);
  const required = references.filter((r) => r.required);
  const missing = required.filter((r) => !Object.prototype.hasOwnProperty.call(rules, r.referencedModel));
  if (missing.length > 0) throw new MissingReferenceRuleError(model, missing.map((r) => ({ field: r.field, model: r.referencedModel })));

  const unfillable = required.filter((r) => r.keys.some((k) => !suppliedFields.includes(k.from)));
  if (unfillable.length > 0) {
    throw new StatePersistenceError(
      'REFERENCE_RULE_MISSING',
      `${model} relation(s) ${unfillable.map((r) => r.field).join(', ')} use foreign key fields the writer does not fill (it fills ${suppliedFields.join(', ')})`,
    );
  }
  const planned = required.map((reference): PlannedReference => {
    const referenced = dataModel.models.get(reference.referencedModel);
    const rule = rules[reference.referencedModel] as ReferenceRule;
    return {
      ...reference,
      rule,
      columnOf(field: string) {
        const column = referenced?.fields.find((f) => f.name === field && f.kind !== 'object')?.column;
        if (!column) throw new StatePersistenceError('REFERENCE_RULE_MISSING', `Defaults for ${reference.referencedModel} name a field it does not have: "${field}"`);
        return column;
      },
    };
  });
  const policyReferences = planned.filter((r) => r.rule.kind === 'policy');
  if (policyReferences.length !== 1) {
    throw new StatePersistenceError(
      'REFERENCE_RULE_MISSING',
      `Exactly one required reference of ${model} must be decided by the provisioning policy (the user); found ${policyReferences.map((r) => r.referencedModel).join(', ') || 'none'}`,
    );
  }
  const policyReference = policyReferences[0] as PlannedReference;
  return { model, required: [policyReference, ...planned.filter((r) => r !== policyReference)], policyReference };
}

/** The models with a required relation to a policy-decided model: what the Prisma extension guards. */
export function modelsReferencingPolicyModels(dataModel: DataModel, rules: Readonly<Record<string, ReferenceRule>> = DEFAULT_REFERENCE_RULES): string[] {
  const governed = new Set(Object.entries(rules).filter(([, rule]) => rule.kind === 'policy').map(([model]) => model));
  return [...dataModel.references.entries()].filter(([, refs]) => refs.some((r) => r.required && governed.has(r.referencedModel))).map(([model]) => model);
}

/** The values of the row's fields that a reference's foreign key is built from. */
export type KeyValues = Readonly<Record<string, string>>;

/** The referenced row's key, e.g. "dev-temp-x/t1" (ids cannot contain '/'). */
export function referenceKeyText(reference: Reference, values: KeyValues): string {
  return reference.keys.map((k) => String(values[k.from])).join('/');
}

/** Cache key of the referenced row a write points at. */
export function referenceKey(reference: Reference, values: KeyValues): string {
  return `${reference.referencedModel}:${referenceKeyText(reference, values)}`;
}

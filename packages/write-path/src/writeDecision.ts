/**
 * What a write does about its user, decided before any connection is taken.
 * The policy is asked, but its answer is not trusted blindly: whatever policy
 * object a caller passes, a referenced row is never created outside
 * development/test, the decision is about the id that was asked for, and the
 * environment recorded is the door's own.
 */
import { AUTO_CREATE_CAPABLE_ENVIRONMENTS, displayValue, resolveEnvironment, validateIdentifier, type Environment, type ProvisioningDecision } from '@agentstate/policy';
import { PersistenceFailedError, StatePersistenceError } from './errors';

/** Anything with the policy's `decide` method (createProvisioningPolicy() or a caller's own). */
export interface ProvisioningPolicyLike {
  decide(request: { entity: string; id: unknown; runId?: unknown }, context: { environment: Environment }): ProvisioningDecision;
}

export type WriteDecision =
  /** malformed id: InvalidInputError, logged only (bad input leaves the database unchanged) */
  | { kind: 'invalid'; decision: ProvisioningDecision }
  /** ephemeral run: nothing is written */
  | { kind: 'skip'; decision: ProvisioningDecision }
  /** refused outright (e.g. a dev-looking id in production): audited, nothing written */
  | { kind: 'refuse'; decision: ProvisioningDecision }
  /** write; the user row may be created only when `userMayBeCreated` */
  | { kind: 'write'; decision: ProvisioningDecision; userMayBeCreated: boolean };

const KINDS = new Set(['create-if-missing', 'skip', 'require-existing', 'reject']);

export function canAutoCreate(environment: Environment): boolean {
  return AUTO_CREATE_CAPABLE_ENVIRONMENTS.includes(environment);
}

/**
 * The environment a door decides for. The process's own (AGENT_STATE_ENV,
 * else NODE_ENV) always counts: an explicit `environment` option may narrow
 * it (e.g. 'production' in a test) but never widen it. Auto-creation needs
 * the process itself to say development or test, so code copied with
 * `environment: 'development'` into a production, staging or unconfigured
 * process cannot auto-create.
 */
export function effectiveEnvironment(requested: Environment | undefined, env: Record<string, string | undefined> = process.env): { environment: Environment; narrowedFrom?: Environment } {
  const processEnvironment = resolveEnvironment(env);
  if (requested === undefined) return { environment: processEnvironment };
  if (canAutoCreate(requested) && !canAutoCreate(processEnvironment)) return { environment: processEnvironment, narrowedFrom: requested };
  return { environment: requested };
}

/** Decides for one write. Pure but for the policy call. */
export function decideWrite(policy: ProvisioningPolicyLike, environment: Environment, userId: unknown, runId: string | undefined): WriteDecision {
  let answer: ProvisioningDecision;
  try {
    answer = policy.decide({ entity: 'User', id: userId, ...(runId !== undefined ? { runId } : {}) }, { environment });
  } catch (error) {
    if (error instanceof StatePersistenceError) throw error;
    throw new PersistenceFailedError('policy.decide', error);
  }
  const invalid = (answer as { kind?: unknown; code?: unknown } | null)?.kind === 'reject' && /^(INVALID_ID|UNKNOWN_ENTITY)/.test(String(answer.code));
  if (invalid) return { kind: 'invalid', decision: answer };
  // A caller's policy may be laxer than ours: the id is validated here too.
  const valid = validateIdentifier(userId);
  if (!valid.ok) {
    const reason = `${valid.reason} The write is refused.`;
    return { kind: 'invalid', decision: Object.freeze({ kind: 'reject', entity: 'User', id: displayValue(userId), code: valid.code, reason, environment }) };
  }
  const decision = normalize(answer, valid.id, environment);
  if (decision.kind === 'skip') return { kind: 'skip', decision };
  if (decision.kind === 'reject') return { kind: 'refuse', decision };
  return { kind: 'write', decision, userMayBeCreated: decision.kind === 'create-if-missing' };
}

/**
 * The decision as the write path acts on it: about `id`, for `environment`, and
 * 'create-if-missing' only where auto-creation is possible at all (a policy
 * that says otherwise is overruled to require-existing). An answer that is
 * not a decision fails closed the same way.
 */
function normalize(answer: unknown, id: string, environment: Environment): ProvisioningDecision {
  const a = (answer ?? {}) as Partial<ProvisioningDecision> & Record<string, unknown>;
  const kind = typeof a.kind === 'string' && KINDS.has(a.kind) ? a.kind : undefined;
  const code = typeof a.code === 'string' && a.code.length > 0 ? a.code : 'POLICY_ANSWER_INVALID';
  const reason = typeof a.reason === 'string' ? a.reason : 'the policy gave no reason';
  if (kind === undefined) {
    return requireExisting(id, environment, 'POLICY_ANSWER_INVALID', `the policy's answer was not a decision, so User "${id}" must already exist`);
  }
  if (kind === 'create-if-missing') {
    const defaults = a.defaults !== null && typeof a.defaults === 'object' && !Array.isArray(a.defaults) ? (a.defaults as Record<string, unknown>) : null;
    if (!canAutoCreate(environment) || !defaults) {
      const why = !defaults ? 'it gave no row defaults' : `auto-creation is never allowed in ${environment}`;
      return requireExisting(id, environment, 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED', `the policy said create-if-missing, but ${why}, so User "${id}" must already exist`);
    }
    const match = (a.match as ProvisioningDecision['match']) ?? { prefix: '', label: 'policy' };
    return Object.freeze({ kind, entity: 'User', id, code: code as ProvisioningDecision['code'], reason, environment, match, defaults: Object.freeze({ ...defaults }) });
  }
  return Object.freeze({ kind, entity: 'User', id, code: code as ProvisioningDecision['code'], reason, environment });
}

function requireExisting(id: string, environment: Environment, code: string, reason: string): ProvisioningDecision {
  return Object.freeze({ kind: 'require-existing', entity: 'User', id, code: code as ProvisioningDecision['code'], reason, environment });
}

/**
 * A door's write decided, before any connection is taken: the policy's
 * answer (writeDecision.ts) acted on. Malformed ids throw InvalidInputError
 * (logged and counted, nothing written); ephemeral runs are decided 'skip'
 * (logged and counted; the door writes nothing).
 */
import { auditEvent, logAudit } from './audit';
import type { WritePathContext } from './context';
import { InvalidInputError } from './errors';
import type { KeyValues, ReferencePlan } from './referencePlan';
import { decideWrite, type WriteDecision } from './writeDecision';

/** A decision about a user: write, refuse (audited by refuse) or skip; malformed ids never get one (InvalidInputError). */
export type DecidedUser = Exclude<WriteDecision, { kind: 'invalid' }>;

/** A decided write: to write, to refuse (with its audit row), or to skip (the door returns without writing). */
export interface PreparedWrite {
  plan: ReferencePlan;
  values: KeyValues;
  decided: DecidedUser;
}

export type DecisionContext = Pick<WritePathContext, 'policy' | 'environment' | 'logger' | 'telemetry' | 'door'>;

/** The decision for one row of `target`, about the user its values name. */
export function prepareWrite(context: DecisionContext, target: ReferencePlan, values: KeyValues, runId?: string): PreparedWrite {
  const field = userField(target);
  const decided = decideUser(context, values[field], field, runId);
  return { plan: target, values: { ...values, [field]: decided.decision.id }, decided };
}

/** The decision about one user id, as prepareWrite makes it for a row's user (also for a user a write names elsewhere, e.g. in a nested write). */
export function decideUser(context: DecisionContext, userId: unknown, field: string, runId?: string): DecidedUser {
  const { logger, telemetry, door } = context;
  const decided = decideWrite(context.policy, context.environment, userId, runId);
  if (decided.kind === 'invalid') {
    logAudit(logger, auditEvent(decided.decision, 'refused'));
    telemetry.save(door, 'invalid', 'none');
    throw new InvalidInputError(field, decided.decision.reason, decided.decision.code);
  }
  if (decided.kind === 'skip') {
    logAudit(logger, auditEvent(decided.decision, 'skipped'));
    telemetry.save(door, 'skipped', 'none');
  }
  return decided;
}

function userField(plan: ReferencePlan): string {
  const key = plan.policyReference.keys[0];
  if (!key || plan.policyReference.keys.length !== 1) throw new Error(`${plan.model}: the policy-decided reference must have a single key field`);
  return key.from;
}

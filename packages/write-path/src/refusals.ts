/**
 * Refusals, audited: each refused user's log line, its refusal metric, and
 * its audit row, written on the direct connection (never inside a caller's
 * transaction, whose rollback would take the row with it).
 */
import type { ProvisioningDecision } from '@agentstate/policy';
import { auditColumns, auditEvent, insertAuditRow, logAudit, type AuditEvent } from './audit';
import type { WritePathContext } from './context';
import { ProvisioningRefusedError, UnknownUserError } from './errors';

export type RefusalContext = Pick<WritePathContext, 'door' | 'telemetry' | 'environment' | 'logger' | 'direct'>;

/** Refused users: each audited once (log line, audit row, refusal metric), the first one's error. */
export async function refuse(context: RefusalContext, decisions: readonly ProvisioningDecision[]): Promise<ProvisioningRefusedError> {
  const seen = new Set<string>();
  for (const decision of decisions) {
    if (seen.has(decision.id)) continue;
    seen.add(decision.id);
    context.telemetry.refusal(context.door, decision.code, context.environment);
    await auditRefusal(context, auditEvent(decision, 'refused'));
  }
  const first = decisions[0] as ProvisioningDecision;
  return new ProvisioningRefusedError(first.id, first.code, first.reason);
}

/** A user that must exist and does not: audited (USER_NOT_FOUND), UnknownUserError. `reason` replaces the policy's in the error (e.g. why this write could not create it). */
export async function unknownUser(context: RefusalContext, decision: ProvisioningDecision, reason: string = decision.reason): Promise<UnknownUserError> {
  context.telemetry.refusal(context.door, 'USER_NOT_FOUND', context.environment);
  await auditRefusal(context, auditEvent(decision, 'refused', { reasonCode: 'USER_NOT_FOUND', reason: `user does not exist; ${reason}` }));
  return new UnknownUserError(decision.id, decision.code, reason);
}

/** A refusal's log line and audit row. The refusal stands even if the row cannot be written (the line still is). */
async function auditRefusal(context: RefusalContext, event: AuditEvent): Promise<void> {
  const { logger } = context;
  logAudit(logger, event);
  await insertAuditRow(context.direct, auditColumns(event)).catch((auditError: unknown) => logger.error('audit row could not be written', { error: String(auditError) }));
}

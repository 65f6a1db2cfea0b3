import type { Logger } from '@agentstate/logger';
import type { Environment, ProvisioningDecision } from '@agentstate/policy';

export type AuditOutcome = 'created' | 'already-existed' | 'refused' | 'skipped';

export interface AuditEvent {
  event: 'user.provisioning';
  entity: string;
  userId: string;
  outcome: AuditOutcome;
  decision: ProvisioningDecision['kind'];
  reasonCode: string;
  reason: string;
  environment: Environment;
}

export function auditEvent(decision: ProvisioningDecision, outcome: AuditOutcome, override?: { reasonCode?: string; reason?: string }): AuditEvent {
  return {
    event: 'user.provisioning',
    entity: decision.entity,
    userId: decision.id,
    outcome,
    decision: decision.kind,
    reasonCode: override?.reasonCode ?? decision.code,
    reason: override?.reason ?? decision.reason,
    environment: decision.environment,
  };
}

/** The structured JSON line of the audit trail (the table row is written with the data it describes). */
export function logAudit(logger: Logger, event: AuditEvent): void {
  const level = event.outcome === 'refused' ? 'warn' : 'info';
  logger[level]('user.provisioning', { ...event });
}

/** Audit columns are bounded; ids that reach the audit table were validated, reasons may be long. */
export function auditColumns(event: AuditEvent) {
  return {
    entity: event.entity.slice(0, 64),
    subjectId: event.userId.slice(0, 512),
    outcome: event.outcome,
    decision: event.decision,
    reasonCode: event.reasonCode.slice(0, 64),
    reason: event.reason.slice(0, 2000),
    environment: event.environment,
  };
}

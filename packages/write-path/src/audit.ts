import { Prisma } from '@agentstate/db';
import type { Logger } from '@agentstate/logger';
import type { Environment, ProvisioningDecision } from '@agentstate/policy';
import type { Queryable } from './queryable';

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

/**
 * The structured JSON line of the audit trail (the table row is written with
 * the data it describes). "already-existed" is a debug line: it is what every
 * write for an existing dev user finds, not an event.
 */
export function logAudit(logger: Logger, event: AuditEvent): void {
  const level = event.outcome === 'refused' ? 'warn' : event.outcome === 'already-existed' ? 'debug' : 'info';
  // Every steady save of a dev user finds it: never format a line the logger would drop.
  if (logger.isLevelEnabled?.(level) === false) return;
  logger[level]('user.provisioning', { ...event });
}

/** An audit table row. Rows are written for creations (with the row they describe) and refusals. */
export interface AuditRow {
  entity: string;
  subjectId: string;
  decision: string;
  reasonCode: string;
  reason: string;
  environment: string;
}

/** Audit columns are bounded; ids that reach the audit table were validated, reasons may be long. */
export function auditColumns(event: AuditEvent): AuditRow & { outcome: AuditOutcome } {
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

/** An audit row on its own (refusals). */
export async function insertAuditRow(db: Queryable, audit: AuditRow & { outcome: string }): Promise<void> {
  await db.rows(Prisma.sql`
    INSERT INTO user_provisioning_audit (entity, subject_id, outcome, decision, reason_code, reason, environment)
    VALUES (${audit.entity}, ${audit.subjectId}, ${audit.outcome}, ${audit.decision}, ${audit.reasonCode}, ${audit.reason}, ${audit.environment})`);
}

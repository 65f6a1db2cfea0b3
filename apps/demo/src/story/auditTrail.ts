import type { UserProvisioningAuditModel } from '@agentstate/db';
import { heading, line } from '../output';
import { DEV_USER, type StoryContext } from './context';

const LATEST = 6;

export interface AuditTrailFacts {
  total: number;
  /** row count per outcome, e.g. { created: 1, refused: 2 } */
  byOutcome: Record<string, number>;
}

const formatRow = (row: UserProvisioningAuditModel) =>
  `#${String(row.id).padEnd(4)} ${row.createdAt.toISOString()}  ${row.outcome.padEnd(15)} ${row.decision.padEnd(17)} ${row.reasonCode.padEnd(22)} ${row.environment}`;

/**
 * Part 7: the dev user's rows in user_provisioning_audit (each written in the
 * same statement as what it describes). The trail grows with every run, so:
 * counts per outcome, the one creation, and the latest rows.
 */
export async function auditTrail(ctx: StoryContext): Promise<AuditTrailFacts> {
  const { out, prisma } = ctx;
  heading(out, `7. Audit trail of ${DEV_USER} (user_provisioning_audit)`);
  const where = { subjectId: DEV_USER };
  const groups = await prisma.userProvisioningAudit.groupBy({ by: ['outcome'], where, _count: { _all: true }, orderBy: { outcome: 'asc' } });
  const byOutcome = Object.fromEntries(groups.map((g) => [g.outcome, g._count._all]));
  const total = Object.values(byOutcome).reduce((sum, n) => sum + n, 0);
  line(out, `${total} rows: ${Object.entries(byOutcome).map(([outcome, n]) => `${outcome}=${n}`).join(', ')}  (created must stay 1, however often the demo runs)`);

  const creation = await prisma.userProvisioningAudit.findFirst({ where: { ...where, outcome: 'created' }, orderBy: { id: 'asc' } });
  if (creation) line(out, `the creation: ${formatRow(creation)}`);
  const latest = (await prisma.userProvisioningAudit.findMany({ where, orderBy: { id: 'desc' }, take: LATEST })).reverse();
  line(out, `the latest ${latest.length}:`);
  for (const row of latest) line(out, `  ${formatRow(row)}`);
  return { total, byOutcome };
}

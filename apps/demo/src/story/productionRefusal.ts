import { createStatePersistence, ProvisioningRefusedError } from '@agentstate/state-persistence';
import { heading, line } from '../output';
import { DEV_USER, flushLogs, type StoryContext } from './context';

export interface RefusalFacts {
  errorClass: string;
  code: string;
  message: string;
  snapshotsBefore: number;
  snapshotsAfter: number;
  /** audit rows this refusal wrote */
  auditRows: Array<{ subjectId: string; outcome: string; decision: string; reasonCode: string; environment: string }>;
}

/** Part 4: the same dev-temp- id against a production-mode service is refused, and audited. */
export async function productionRefusal(ctx: StoryContext): Promise<RefusalFacts> {
  const { out, prisma } = ctx;
  heading(out, `4. Production refuses ${DEV_USER} (environment: production)`);
  const service = createStatePersistence({ prisma, environment: 'production', logger: ctx.logger });
  const lastAudit = await prisma.userProvisioningAudit.aggregate({ _max: { id: true } });
  const auditIdBefore = lastAudit._max.id ?? 0n;
  const snapshotsBefore = await prisma.agentStateSnapshot.count({ where: { userId: DEV_USER } });

  let refusal: ProvisioningRefusedError;
  try {
    await service.saveSnapshot({ userId: DEV_USER, threadId: `thread-${ctx.label}`, runId: `prod-run-${ctx.label}`, state: { step: 5 } });
    throw new Error('production saved a snapshot for a dev-temp- user');
  } catch (error) {
    if (!(error instanceof ProvisioningRefusedError)) throw error;
    refusal = error;
  }
  const snapshotsAfter = await prisma.agentStateSnapshot.count({ where: { userId: DEV_USER } });
  line(out, `what the caller gets: ${refusal.name} [${refusal.code}] (reason ${refusal.reasonCode})`);
  line(out, `  "${refusal.message}"`);
  line(out, `snapshots of ${DEV_USER}: ${snapshotsBefore} before, ${snapshotsAfter} after (nothing saved), although the user row exists`);

  const rows = await prisma.userProvisioningAudit.findMany({ where: { id: { gt: auditIdBefore }, subjectId: DEV_USER }, orderBy: { id: 'asc' } });
  for (const row of rows) {
    line(out, `audit row #${row.id}: outcome=${row.outcome} decision=${row.decision} reason_code=${row.reasonCode} environment=${row.environment}`);
  }
  await flushLogs();
  const logged = ctx.logLines.filter((l) => l.userId === DEV_USER && l.outcome === 'refused' && l.environment === 'production').at(-1);
  if (logged) line(out, `and the JSON log line: ${JSON.stringify(logged)}`);
  return {
    errorClass: refusal.name,
    code: refusal.code,
    message: refusal.message,
    snapshotsBefore,
    snapshotsAfter,
    auditRows: rows.map(({ subjectId, outcome, decision, reasonCode, environment }) => ({ subjectId, outcome, decision, reasonCode, environment })),
  };
}

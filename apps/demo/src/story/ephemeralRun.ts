import { countAllRows } from '@agentstate/db';
import { createStatePersistence } from '@agentstate/state-persistence';
import { heading, line } from '../output';
import { DEV_USER, type StoryContext } from './context';

export interface EphemeralFacts {
  status: string;
  code: string;
  rowsBefore: Record<string, number>;
  rowsAfter: Record<string, number>;
}

const formatCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([table, n]) => `${table}=${n}`)
    .join(' ');

/** Part 3: an ephemeral run (runId run_…) is skipped; the row count of every table proves nothing was written. */
export async function ephemeralRun(ctx: StoryContext): Promise<EphemeralFacts> {
  const { out, prisma } = ctx;
  const runId = `run_${ctx.label}`;
  heading(out, `3. Ephemeral run ${runId}: skipped`);
  const service = createStatePersistence({ prisma, environment: 'development', logger: ctx.logger });
  const rowsBefore = await countAllRows(prisma);
  const result = await service.saveSnapshot({ userId: `${DEV_USER}-ephemeral`, threadId: `thread-${ctx.label}`, runId, state: { scratch: true } });
  const rowsAfter = await countAllRows(prisma);
  if (result.status !== 'skipped') throw new Error('the ephemeral run was saved');
  line(out, `result: ${result.status} (${result.code}): ${result.reason}`);
  line(out, `rows before: ${formatCounts(rowsBefore)}`);
  line(out, `rows after:  ${formatCounts(rowsAfter)}`);
  const same = JSON.stringify(rowsBefore) === JSON.stringify(rowsAfter);
  line(out, same ? 'nothing was written (not even a user or an audit row)' : 'UNEXPECTED: row counts changed');
  return { status: result.status, code: result.code, rowsBefore, rowsAfter };
}

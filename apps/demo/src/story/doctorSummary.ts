import { formatSummary, runFkDoctor } from '@agentstate/fk-doctor';
import { heading, line } from '../output';
import type { StoryContext } from './context';

export interface DoctorFacts {
  healthy: boolean;
  orphanRows: number;
  foreignKeys: number;
}

/**
 * The end of the story: `pnpm fk:doctor`'s summary of the database the story
 * just wrote to (every foreign key present and validated, no orphan rows, the
 * auto-provisioned users and the refusals it caused).
 */
export async function doctorSummary(ctx: StoryContext): Promise<DoctorFacts> {
  const { out, prisma } = ctx;
  heading(out, 'Foreign key health of this database (pnpm fk:doctor)');
  const report = await runFkDoctor(prisma);
  for (const text of formatSummary(report).split('\n')) line(out, text);
  return {
    healthy: report.verdict.healthy,
    orphanRows: report.foreignKeys.reduce((sum, fk) => sum + fk.orphans.rows, 0),
    foreignKeys: report.foreignKeys.length,
  };
}

import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@agentstate/db';
import { createMemoryLogger } from '@agentstate/logger';
import { heading, line, type Output } from './output';
import { agentRun, type AgentRunFacts } from './story/agentRun';
import { auditTrail, type AuditTrailFacts } from './story/auditTrail';
import type { StoryContext } from './story/context';
import { doctorSummary, type DoctorFacts } from './story/doctorSummary';
import { ephemeralRun, type EphemeralFacts } from './story/ephemeralRun';
import { history, type HistoryFacts } from './story/history';
import { langgraphRun, type LangGraphFacts } from './story/langgraphRun';
import { productionRefusal, type RefusalFacts } from './story/productionRefusal';
import { testUserSave } from './story/testUser';

export { DEV_USER, TEST_USER } from './story/context';

export interface StoryOptions {
  prisma: PrismaClient;
  out: Output;
  /** default 4 */
  steps?: number;
  /** history page size, default 3 (so 4 steps span 2 pages) */
  pageSize?: number;
  /** pause per step so the progress line is visible; default 150 ms on a terminal, 0 otherwise */
  stepDelayMs?: number;
  /** names this run's thread and run ids; default demo-<UTC time>-<random> */
  label?: string;
}

/** What happened, for tests (the printed story is for people). */
export interface StoryFacts {
  agentRun: AgentRunFacts;
  testUser: { provisioning: string | null };
  ephemeral: EphemeralFacts;
  refusal: RefusalFacts;
  history: HistoryFacts;
  auditTrail: AuditTrailFacts;
  langgraph: LangGraphFacts;
  doctor: DoctorFacts;
}

export function defaultLabel(now: Date = new Date()): string {
  const time = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15); // 20261126-060312
  return `demo-${time}-${randomBytes(2).toString('hex')}`;
}

/** The whole story, in order. Safe to run again on the same database: fixed user ids, per-run thread ids. */
export async function runStory(options: StoryOptions): Promise<StoryFacts> {
  const { out } = options;
  // Audit JSON lines go to memory, not stdout: the story stays readable, and part 4 shows one of them.
  const { logger, lines } = createMemoryLogger({ level: 'info', service: 'state-persistence' });
  const ctx: StoryContext = { prisma: options.prisma, out, label: options.label ?? defaultLabel(), logger, logLines: lines };

  const run = await agentRun(ctx, options.steps ?? 4, options.stepDelayMs ?? (out.isTTY ? 150 : 0));
  const testUser = await testUserSave(ctx);
  const ephemeral = await ephemeralRun(ctx);
  const refusal = await productionRefusal(ctx);
  const lastId = run.savedIds.at(-1);
  if (lastId === undefined) throw new Error('the agent run saved nothing');
  const hist = await history(ctx, run.threadId, lastId, options.pageSize ?? 3);
  const audit = await auditTrail(ctx);
  const graph = await langgraphRun(ctx);
  // Last, so its summary covers the LangGraph saver's foreign keys and rows too.
  const doctor = await doctorSummary(ctx);

  heading(out, 'Done');
  line(out, 'Run it again: the users are not created a second time (provisioning already-existed), and each run gets its own thread.');
  return { agentRun: run, testUser, ephemeral, refusal, history: hist, auditTrail: audit, langgraph: graph, doctor };
}

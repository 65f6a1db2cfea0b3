import { createStatePersistence, type ProvisioningOutcome, type SaveSnapshotResult } from '@agentstate/state-persistence';
import { createProgress, heading, line, shortId } from '../output';
import { DEV_USER, type AgentState, type StoryContext } from './context';

const TOOLS = ['search', 'calendar', 'maps', 'email'];

export interface AgentRunFacts {
  threadId: string;
  runId: string;
  /** ids in save order (oldest first) */
  savedIds: string[];
  /** provisioning outcome of each save, in order */
  provisioning: Array<ProvisioningOutcome | null>;
}

/** Part 1: a dev-temp- user's agent run, each step continuing the previous snapshot (expectedParentId). */
export async function agentRun(ctx: StoryContext, steps: number, stepDelayMs: number): Promise<AgentRunFacts> {
  const { out, prisma } = ctx;
  const threadId = `thread-${ctx.label}`;
  const runId = `run-${ctx.label}`;
  heading(out, `1. Agent run: ${steps} steps for ${DEV_USER} (environment: development)`);
  line(out, `thread ${threadId}, run ${runId}; each save passes expectedParentId = the previous snapshot`);

  const service = createStatePersistence({ prisma, environment: 'development', logger: ctx.logger });
  const startedAt = new Date();
  const progress = createProgress(out);
  const facts: AgentRunFacts = { threadId, runId, savedIds: [], provisioning: [] };
  let parent: string | null = null; // null: we expect the thread to be empty
  for (let step = 1; step <= steps; step++) {
    progress.working(`step ${step}/${steps} saving…`);
    if (stepDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, stepDelayMs)); // "the agent thinks"
    const state: AgentState = {
      step,
      goal: 'plan a weekend in Lisbon',
      messages: Array.from({ length: step }, (_, i) => `message ${i + 1}`),
      startedAt,
      tokensUsed: 1_000n * BigInt(step),
      toolsUsed: new Set(TOOLS.slice(0, step)),
    };
    const result: SaveSnapshotResult<AgentState> = await service.saveSnapshot<AgentState>({ userId: DEV_USER, threadId, runId, state, metadata: { step }, expectedParentId: parent });
    if (result.status !== 'saved') throw new Error(`step ${step} was not saved: ${result.code}`);
    facts.savedIds.push(result.snapshot.id);
    facts.provisioning.push(result.provisioning);
    parent = result.snapshot.id;
    progress.update(`step ${step}/${steps} saved ${shortId(result.snapshot.id)}…  user provisioning: ${result.provisioning ?? 'null'}`);
  }
  progress.end();

  line(out, `provisioning per save: ${facts.provisioning.map((p) => p ?? 'null').join(', ')}`);
  line(out, `  created         = this save created the user row (in the same statement as the snapshot, with its audit row)`);
  line(out, `  already-existed = the user row was there (an earlier save or run); nothing created, nothing audited`);
  line(out, `  (the service remembers rows it has seen, so those saves are one plain INSERT; that never changes what is reported)`);
  const user = await prisma.user.findUniqueOrThrow({ where: { id: DEV_USER } });
  line(out, `user row: id=${user.id} role=${user.role} email=${user.email} auto_provisioned=${user.autoProvisioned} created_at=${user.createdAt.toISOString()}`);

  const latest = await service.getLatest<AgentState>({ userId: DEV_USER, threadId });
  if (!latest) throw new Error('the thread has no latest snapshot');
  const s = latest.state;
  line(out, `latest read back: step ${s.step}; startedAt is ${s.startedAt instanceof Date ? 'a Date' : typeof s.startedAt}, ` +
    `tokensUsed is a ${typeof s.tokensUsed} (${s.tokensUsed}), toolsUsed is ${s.toolsUsed instanceof Set ? `a Set {${[...s.toolsUsed].join(', ')}}` : typeof s.toolsUsed}`);
  return facts;
}

import type { PrismaClient } from '@agentstate/db';
import type { Logger } from '@agentstate/logger';
import type { Output } from '../output';

/** The fixed ids: re-runs reuse them, so they show idempotence (created once, then already-existed). */
export const DEV_USER = 'dev-temp-demo';
export const TEST_USER = 'test-demo';

export interface StoryContext {
  prisma: PrismaClient;
  out: Output;
  /** per run, e.g. demo-20261126-060312-a1b2: thread and run ids, so each run's history stays readable */
  label: string;
  /** one logger for every service of the story; its JSON lines are kept in memory, not printed */
  logger: Logger;
  logLines: ReadonlyArray<Record<string, unknown>>;
}

/** The state an agent run saves at each step: Date, BigInt and Set round-trip exactly. */
export interface AgentState {
  step: number;
  goal: string;
  messages: string[];
  startedAt: Date;
  tokensUsed: bigint;
  toolsUsed: Set<string>;
}

/** winston writes its stream asynchronously. */
export const flushLogs = () => new Promise((resolve) => setImmediate(resolve));

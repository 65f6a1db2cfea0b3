/** Test helpers of this package (not exported from index.ts). */
import { randomBytes } from 'node:crypto';
import type { TestDatabase } from '@agentstate/db/testing';
import { silentLogger } from '@agentstate/logger';
import { createAgentStateSaver, type AgentStateSaver } from './index';
import type { AgentStateSaverOptions } from './options';

/** A saver on a test database, environment 'test', silent. */
export function testSaver(db: TestDatabase, options: Partial<AgentStateSaverOptions> = {}): AgentStateSaver {
  return createAgentStateSaver({ prisma: db.prisma, ...(db.sql ? { sql: db.sql } : {}), environment: 'test', logger: silentLogger, ...options });
}

export function unique(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** A config as LangGraph passes it, with the owner in configurable.user_id when given. */
export function configFor(threadId: string, userId?: string, extra: Record<string, unknown> = {}) {
  return { configurable: { thread_id: threadId, checkpoint_ns: '', ...(userId !== undefined ? { user_id: userId } : {}), ...extra } };
}

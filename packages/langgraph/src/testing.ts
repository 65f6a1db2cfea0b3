/** Test helpers of this package (not exported from index.ts). */
import type { TestDatabase } from '@agentstate/db/testing';
import { silentLogger } from '@agentstate/logger';
import { createAgentStateSaver, type AgentStateSaver } from './index';
import type { AgentStateSaverOptions } from './options';

/** A saver on a test database, environment 'test', silent. */
export function testSaver(db: TestDatabase, options: Partial<AgentStateSaverOptions> = {}): AgentStateSaver {
  return createAgentStateSaver({ prisma: db.prisma, ...(db.sql ? { sql: db.sql } : {}), environment: 'test', logger: silentLogger, ...options });
}

/**
 * LangGraph's own conformance suite for checkpointers
 * (@langchain/langgraph-checkpoint-validation 1.1.1), unmodified and in full,
 * against this saver on PostgreSQL and on PGlite: `validate` (718 specs) and
 * the opt-in `deltaChannelHistoryTests` (getDeltaChannelHistory, not part of
 * validate), sharing one database per kind. The suite never passes a user
 * id: every checkpointer it creates gets a fresh defaultUserId, so the
 * suites' rows are isolated by user (which is itself what is being tested).
 * Runs under vitest (vitest.config.mts): one spec calls expect.soft.
 */
import { createTestPglite, createTestPostgres, describeIfAvailable, postgresAvailability, type TestDatabase } from '@agentstate/db/testing';
import { deltaChannelHistoryTests, validate } from '@langchain/langgraph-checkpoint-validation';
import type { AgentStateSaver } from './index';
import { testSaver } from './testing';

function conformance(kind: 'postgresql' | 'pglite') {
  let db: TestDatabase | undefined;
  let created = 0;
  const owners = new WeakMap<AgentStateSaver, string>();
  const initializer: Parameters<typeof validate<AgentStateSaver>>[0] = {
    checkpointerName: `@agentstate/langgraph [${kind}]`,
    beforeAllTimeout: 120_000,
    async beforeAll() {
      db = kind === 'pglite' ? await createTestPglite() : await createTestPostgres();
    },
    async afterAll() {
      await db?.close();
    },
    createCheckpointer() {
      if (!db) throw new Error('the test database was not created');
      created += 1;
      const saver = testSaver(db, { defaultUserId: `test-conformance-${created}` });
      owners.set(saver, `test-conformance-${created}`);
      return saver;
    },
    async destroyCheckpointer(saver) {
      // Deleting the user deletes its threads, checkpoints, blobs and writes (foreign keys, ON DELETE CASCADE).
      const owner = owners.get(saver);
      if (owner) await db?.prisma.user.deleteMany({ where: { id: owner } });
    },
  };
  // validate's beforeAll (creating the database) runs for both: they are in the same describe.
  validate(initializer);
  deltaChannelHistoryTests(initializer);
}

describe('LangGraph conformance [pglite]', () => conformance('pglite'));
describeIfAvailable('LangGraph conformance [postgresql]', postgresAvailability(), () => conformance('postgresql'));

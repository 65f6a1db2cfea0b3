/**
 * threadLockTimeoutMs bounds the whole wait of an expectedParentId save,
 * the pool checkout included: with every connection of the pool taken, the
 * save ends in ThreadBusyError (retryable, nothing written) while the pool is
 * still full, never in Prisma's "Unable to start a transaction in the given
 * time" (PERSISTENCE_FAILED) after its own 10 s. Asserted by the order of
 * events, not by durations. (The LangGraph saver's 'reject' puts go through
 * the same withThreadTurn: packages/langgraph/src/busyThread.test.ts.)
 */
import { describePostgres, occupyPool } from '@agentstate/db/testing';
import { silentLogger } from '@agentstate/logger';
import { ThreadBusyError } from './errors';
import { createStatePersistence } from './service';
import { unique } from './testing/fixtures';

const POOL = 4;

describePostgres(
  'the thread lock bound covers the pool checkout',
  (db) => {
    it('every pool connection taken: an expectedParentId save ends in THREAD_BUSY before the pool frees up, nothing written', async () => {
      const { prisma, sql } = db();
      const service = createStatePersistence({ prisma, ...(sql ? { sql } : {}), environment: 'development', logger: silentLogger, threadLockTimeoutMs: 300 });
      const userId = unique('dev-temp-');
      const root = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 0 });
      if (root.status !== 'saved') throw new Error('expected saved');

      const pool = await occupyPool(prisma, POOL);
      const events: string[] = [];
      const outcome = service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 1, expectedParentId: root.snapshot.id }).then(
        () => 'saved',
        (error: unknown) => error,
      );
      // A safety net against a wait that never ends (not a measure of speed).
      let timer: NodeJS.Timeout | undefined;
      const watchdog = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('watchdog'), 60_000)));
      events.push(await Promise.race([outcome.then(() => 'save settled'), watchdog]));
      clearTimeout(timer);
      events.push('pool freed');
      await pool.release();

      expect(events).toEqual(['save settled', 'pool freed']);
      const error = await outcome;
      expect(error).toBeInstanceOf(ThreadBusyError);
      expect(error).toMatchObject({ code: 'THREAD_BUSY', retryable: true });
      expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(1);
    }, 120_000);
  },
  { poolSize: POOL },
);

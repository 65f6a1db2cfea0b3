/**
 * A busy thread cannot starve the others: on a pool of 4 connections (pool
 * checkout bounded at 2 s), another process holds the thread's lock for 3 s
 * (a slow writer elsewhere) while 8 writers hammer that thread with
 * expectedParentId (each retrying on ConcurrentWriteError) and 4 other
 * writers save to their own threads. Every save completes, none fails on pool
 * checkout, the busy thread's chain stays linear. (How long saves wait is
 * measured by `pnpm bench`, not here.)
 */
import { runAdminStatement } from '@agentstate/db';
import { describePostgres } from '@agentstate/db/testing';
import { ConcurrentWriteError, type SaveSnapshotResult } from '@agentstate/state-persistence';
import { recordFigure } from './figures/figures';
import { describeError, serviceWithLog, unique } from './testing/helpers';

const POOL = 4;
const HAMMERS = 8;
const STEPS_PER_HAMMER = 5;
const OTHERS = 4;
const SAVES_PER_OTHER = 20;

describePostgres(
  'a busy thread on a small pool',
  (db) => {
    it(`${HAMMERS} expectedParentId writers on one thread, ${OTHERS} writers on other threads, pool of ${POOL}: every save completes`, async () => {
      const { prisma, sql } = db();
      const { service } = serviceWithLog(prisma, 'development', sql ? { sql } : {});
      const userId = unique('dev-temp-busy-');
      const errors: string[] = [];
      let conflicts = 0;

      const hammer = async () => {
        for (let step = 0; step < STEPS_PER_HAMMER; ) {
          const latest = await service.getLatest({ userId, threadId: 'busy' });
          try {
            await service.saveSnapshot({ userId, threadId: 'busy', runId: 'r', state: { step }, expectedParentId: latest?.id ?? null });
            step++;
          } catch (error) {
            if (error instanceof ConcurrentWriteError) conflicts++;
            else errors.push(`busy: ${describeError(error)}`);
            if (!(error instanceof ConcurrentWriteError) && !(error as { retryable?: boolean }).retryable) return;
          }
        }
      };
      const other = async (n: number) => {
        for (let i = 0; i < SAVES_PER_OTHER; i++) {
          const result: SaveSnapshotResult | null = await service.saveSnapshot({ userId, threadId: `other-${n}`, runId: 'r', state: { i } }).catch((error: unknown) => {
            errors.push(`other-${n}: ${describeError(error)}`);
            return null;
          });
          if (result && result.status !== 'saved') errors.push(`other-${n}: ${result.status}`);
        }
      };
      // another process's slow writer holds the thread's lock (same key as the service's) for 3 s
      const slowWriter = runAdminStatement(db().url!, `SELECT pg_advisory_xact_lock(hashtextextended('${userId}/busy', 0)), pg_sleep(3)`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await Promise.all([...Array.from({ length: HAMMERS }, hammer), ...Array.from({ length: OTHERS }, (_, n) => other(n)), slowWriter]);

      const busy = await prisma.agentStateSnapshot.findMany({ where: { userId, threadId: 'busy' }, orderBy: { seq: 'asc' }, select: { id: true, parentId: true } });
      const linear = busy.every((s, i) => s.parentId === (i === 0 ? null : busy[i - 1]!.id));
      const others = await prisma.agentStateSnapshot.count({ where: { userId, threadId: { startsWith: 'other-' } } });
      recordFigure(__filename, {
        key: 'busyThread.postgresql',
        summary: `busy thread on a pool of ${POOL}: ${HAMMERS} expectedParentId writers x ${STEPS_PER_HAMMER} steps (${conflicts} ConcurrentWriteError retries) beside ${OTHERS} x ${SAVES_PER_OTHER} saves to other threads: ${errors.length} errors, ${busy.length}/${HAMMERS * STEPS_PER_HAMMER} busy-thread saves in one linear chain, ${others}/${OTHERS * SAVES_PER_OTHER} other saves`,
        values: { pool: POOL, errors: errors.length, busySaved: busy.length, linear, conflicts, otherSaved: others },
      });
      expect(errors).toEqual([]);
      expect(busy).toHaveLength(HAMMERS * STEPS_PER_HAMMER);
      expect(linear).toBe(true);
      expect(others).toBe(OTHERS * SAVES_PER_OTHER);
    }, 180_000);
  },
  { poolSize: POOL, poolTimeoutMs: 2_000 },
);

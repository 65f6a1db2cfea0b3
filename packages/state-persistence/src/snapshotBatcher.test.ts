/**
 * Group commit: concurrent fast-path saves share statements, every caller
 * gets its own row, and one bad save in a batch fails alone (with the typed
 * error the single-row path gives) while the others commit.
 */
import type { SqlRunner } from '@agentstate/db';
import { describeEachDatabase } from '@agentstate/db/testing';
import { createMemoryLogger } from '@agentstate/logger';
import { SnapshotNotFoundError } from './errors';
import { createStatePersistence } from './service';
import { unique } from './testing/fixtures';

function counting(sql: SqlRunner) {
  const counts = { batched: 0, single: 0, batchedRows: 0 };
  const runner: SqlRunner = {
    async query<Row>(text: string, values: readonly unknown[], options?: { prepare?: boolean }) {
      if (text.includes('FROM unnest(')) {
        counts.batched++;
        counts.batchedRows += (values[0] as unknown[]).length;
      } else if (text.trimStart().startsWith('INSERT INTO agent_state_snapshots')) counts.single++;
      return sql.query<Row>(text, values, options);
    },
  };
  return { runner, counts };
}

describeEachDatabase(
  'group commit of fast-path saves',
  (db) => {
    it('64 concurrent steady saves go out in fewer statements than saves, each caller gets its own row, in order per caller', async () => {
      const { prisma, sql } = db();
      const { runner, counts } = counting(sql!);
      const service = createStatePersistence({ prisma, sql: runner, environment: 'development', logger: createMemoryLogger().logger });
      const users = Array.from({ length: 8 }, () => unique('dev-temp-gc-'));
      for (const userId of users) await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { warm: true } });
      const before = { ...counts };
      const results = await Promise.all(Array.from({ length: 64 }, (_, i) => service.saveSnapshot({ userId: users[i % 8]!, threadId: 't', runId: 'r', state: { i } })));
      expect(results.every((r) => r.status === 'saved')).toBe(true);
      const ids = results.map((r) => (r.status === 'saved' ? r.snapshot.id : ''));
      expect(new Set(ids).size).toBe(64);
      const stored = await prisma.agentStateSnapshot.findMany({ where: { id: { in: ids } }, select: { id: true, state: true, userId: true } });
      expect(stored.map((s) => [s.id, (s.state as { i: number }).i, s.userId]).sort()).toEqual(results.map((r, i) => [ids[i], i, users[i % 8]]).sort());
      const statements = counts.batched - before.batched + counts.single - before.single;
      expect(counts.batched - before.batched).toBeGreaterThan(0);
      expect(statements).toBeLessThan(64);
      expect(counts.batchedRows - before.batchedRows + counts.single - before.single).toBe(64);
    });

    it('states above maxRowBytes go out alone, at once, however many saves are waiting', async () => {
      const { prisma, sql } = db();
      const { runner, counts } = counting(sql!);
      const service = createStatePersistence({ prisma, sql: runner, environment: 'development', logger: createMemoryLogger().logger, groupCommit: { maxRowBytes: 2048 } });
      const userId = unique('dev-temp-gc-');
      await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { warm: true } });
      const before = { ...counts };
      const large = 'x'.repeat(4096);
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: i % 2 === 0 ? { i, large } : { i } })));
      expect(results.every((r) => r.status === 'saved')).toBe(true);
      const largeRowsBatched = counts.batchedRows - before.batchedRows;
      // the 12 large rows were single INSERTs; only the 12 small ones may have shared statements
      expect(counts.single - before.single).toBeGreaterThanOrEqual(12);
      expect(largeRowsBatched + (counts.single - before.single)).toBe(24);
      expect(largeRowsBatched).toBeLessThanOrEqual(12);
      expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(25);
    });

    it('a bad save in a batch fails alone with its own typed error; the others commit', async () => {
      const { prisma, sql } = db();
      const service = createStatePersistence({ prisma, sql: sql!, environment: 'development', logger: createMemoryLogger().logger });
      const userId = unique('dev-temp-gc-');
      await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 0 });
      const missingParent = '00000000-0000-4000-8000-000000000000';
      const outcomes = await Promise.allSettled(
        Array.from({ length: 24 }, (_, i) => service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { i }, ...(i === 7 ? { parentId: missingParent } : {}) })),
      );
      const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [[i, (o.reason as Error).constructor.name]] : []));
      expect(failed).toEqual([[7, SnapshotNotFoundError.name]]);
      expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(24);
    });

    it('a thread deleted behind the cache fails its batch; every save is then written alone, the stale one through the ensure path', async () => {
      const { prisma, sql } = db();
      const service = createStatePersistence({ prisma, sql: sql!, environment: 'development', logger: createMemoryLogger().logger });
      const userId = unique('dev-temp-gc-');
      for (const threadId of ['kept', 'stale']) await service.saveSnapshot({ userId, threadId, runId: 'r', state: 0 });
      // Another process deletes one thread (and its snapshots): this service still remembers it.
      await prisma.$executeRaw`DELETE FROM agent_threads WHERE user_id = ${userId} AND id = 'stale'`;
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) => service.saveSnapshot({ userId, threadId: i === 9 ? 'stale' : 'kept', runId: 'r', state: { i } })),
      );
      expect(results.every((r) => r.status === 'saved')).toBe(true);
      expect(await prisma.agentThread.count({ where: { userId, id: 'stale' } })).toBe(1); // created again (create-on-first-use)
      expect(await prisma.agentStateSnapshot.count({ where: { userId, threadId: 'stale' } })).toBe(1);
      expect(await prisma.agentStateSnapshot.count({ where: { userId, threadId: 'kept' } })).toBe(24);
    });

    it('checks parents in a batch: a parent of the same thread is kept, one from another thread fails that save alone', async () => {
      const { prisma, sql } = db();
      const service = createStatePersistence({ prisma, sql: sql!, environment: 'development', logger: createMemoryLogger().logger });
      const userId = unique('dev-temp-gc-');
      const root = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 0 });
      const elsewhere = await service.saveSnapshot({ userId, threadId: 'other', runId: 'r', state: 0 });
      if (root.status !== 'saved' || elsewhere.status !== 'saved') throw new Error('setup saves failed');
      const parentOf = (i: number) => (i === 5 ? elsewhere.snapshot.id : i % 3 === 0 ? root.snapshot.id : undefined);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 24 }, (_, i) => service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { i }, ...(parentOf(i) ? { parentId: parentOf(i) } : {}) })),
      );
      const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [[i, (o.reason as Error).constructor.name]] : []));
      expect(failed).toEqual([[5, SnapshotNotFoundError.name]]);
      const children = await prisma.agentStateSnapshot.count({ where: { userId, threadId: 't', parentId: root.snapshot.id } });
      expect(children).toBe(8); // i = 0, 3, …, 21
      expect(await prisma.agentStateSnapshot.count({ where: { userId, threadId: 't' } })).toBe(24);
    });
  },
  { kinds: ['postgresql'], poolSize: 8 },
);

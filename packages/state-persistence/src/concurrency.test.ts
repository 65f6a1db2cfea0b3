import { runAdminStatement } from '@agentstate/db';
import { describeEachDatabase, describePostgres } from '@agentstate/db/testing';
import { ConcurrentWriteError, InvalidInputError, ThreadBusyError } from './errors';
import { createStatePersistence } from './service';
import { serviceFor, unique } from './testing/fixtures';
import type { SaveSnapshotResult } from './types';

describeEachDatabase('thread ordering with expectedParentId', (db) => {
  it('two concurrent saves expecting the same parent: exactly one succeeds, the other gets ConcurrentWriteError and writes nothing', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    const root = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 0, expectedParentId: null });
    if (root.status !== 'saved') throw new Error('expected saved');
    const results = await Promise.allSettled([
      service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 'A', expectedParentId: root.snapshot.id }),
      service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 'B', expectedParentId: root.snapshot.id }),
    ]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(ConcurrentWriteError);
    expect(rejected[0]!.reason).toMatchObject({ code: 'CONCURRENT_WRITE', expectedParentId: root.snapshot.id });
    expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(2);
    const children = await prisma.agentStateSnapshot.count({ where: { parentId: root.snapshot.id } });
    expect(children).toBe(1);
  });

  it('a save expecting an empty thread fails once the thread has a snapshot; the new snapshot continues the expected parent', async () => {
    const { service } = serviceFor(db());
    const userId = unique('test-');
    const first = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 1, expectedParentId: null });
    if (first.status !== 'saved') throw new Error('expected saved');
    await expect(service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 2, expectedParentId: null })).rejects.toBeInstanceOf(ConcurrentWriteError);
    const second = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 2, expectedParentId: first.snapshot.id });
    expect(second).toMatchObject({ status: 'saved', snapshot: { parentId: first.snapshot.id } });
    await expect(
      service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 3, expectedParentId: first.snapshot.id, parentId: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('audits and reports the user creation once, also for saves inside the expectedParentId transaction', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    const provisioning: unknown[] = [];
    let parent: string | null = null;
    for (let step = 0; step < 3; step++) {
      const result: SaveSnapshotResult = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: step, expectedParentId: parent });
      if (result.status !== 'saved') throw new Error('expected saved');
      provisioning.push(result.provisioning);
      parent = result.snapshot.id;
    }
    expect(provisioning).toEqual(['created', 'already-existed', 'already-existed']);
    expect(await prisma.userProvisioningAudit.count({ where: { subjectId: userId } })).toBe(1);
  });

  it('ten writers racing on one thread never fork it: the chain stays linear', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    const writer = async (name: string) => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const latest = await service.getLatest({ userId, threadId: 't' });
        try {
          return await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: name, expectedParentId: latest?.id ?? null });
        } catch (error) {
          if (!(error instanceof ConcurrentWriteError)) throw error;
        }
      }
      return null;
    };
    await Promise.all(Array.from({ length: 10 }, (_, i) => writer(`w${i}`)));
    const rows = await prisma.agentStateSnapshot.findMany({ where: { userId }, select: { id: true, parentId: true } });
    const parents = rows.map((r) => r.parentId);
    expect(new Set(parents).size).toBe(parents.length); // no two snapshots share a parent: no fork
    expect(parents.filter((p) => p === null)).toHaveLength(1);
  });
});

describePostgres('bounded waits on a busy thread', (db) => {
  it('an expectedParentId save waits at most threadLockTimeoutMs for another process, then ThreadBusyError (retryable), nothing written', async () => {
    const { prisma, sql, url } = db();
    const userId = unique('dev-temp-');
    const service = createStatePersistence({ prisma, ...(sql ? { sql } : {}), environment: 'development', threadLockTimeoutMs: 300 });
    await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 0 });
    const latest = await service.getLatest({ userId, threadId: 't' });
    const holder = runAdminStatement(url!, `SELECT pg_advisory_xact_lock(hashtextextended('${userId}/t', 0)), pg_sleep(1.5)`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const error = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 1, expectedParentId: latest!.id }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadBusyError);
    expect(error).toMatchObject({ code: 'THREAD_BUSY', retryable: true });
    await holder;
    expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(1);
    await expect(service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 1, expectedParentId: latest!.id })).resolves.toMatchObject({ status: 'saved' });
  });
});

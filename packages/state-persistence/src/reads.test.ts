import { countAllRows, describeEachDatabase } from '@agentstate/db/testing';
import { InvalidCursorError, InvalidInputError, SnapshotNotFoundError } from './errors';
import { serviceFor, unique } from './testing/fixtures';
import type { SaveSnapshotResult, Snapshot } from './types';

describeEachDatabase('reads and data management', (db) => {
  async function seedThread(userId: string, threadId: string, count: number, service = serviceFor(db()).service) {
    const saved: Snapshot[] = [];
    let parentId: string | null = null;
    for (let i = 0; i < count; i++) {
      const result: SaveSnapshotResult = await service.saveSnapshot({ userId, threadId, runId: `run-${i % 3}`, state: { i }, parentId });
      if (result.status !== 'saved') throw new Error('expected saved');
      saved.push(result.snapshot);
      parentId = result.snapshot.id;
    }
    return saved;
  }

  it('getLatest returns the newest snapshot of the thread, null for an empty thread', async () => {
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    const saved = await seedThread(userId, 't1', 3, service);
    await seedThread(userId, 't2', 1, service);
    expect(await service.getLatest({ userId, threadId: 't1' })).toEqual(saved[2]);
    expect(await service.getLatest({ userId, threadId: 'empty' })).toBeNull();
  });

  it('getSnapshot reads by owner and id and throws SnapshotNotFoundError for an unknown id', async () => {
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    const [first] = await seedThread(userId, 't', 1, service);
    expect(await service.getSnapshot({ userId, id: first!.id })).toEqual(first);
    await expect(service.getSnapshot({ userId, id: '00000000-0000-4000-8000-000000000000' })).rejects.toBeInstanceOf(SnapshotNotFoundError);
    await expect(service.getSnapshot({ userId, id: 'not-a-uuid' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(service.getSnapshot(first!.id as never)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("another user's snapshot is indistinguishable from a missing one, and lineage never crosses users", async () => {
    const { prisma } = db();
    const { service } = serviceFor(db());
    const alice = unique('dev-temp-alice-');
    const mallory = unique('dev-temp-mallory-');
    const [secret] = await seedThread(alice, 't', 1, service);
    await seedThread(mallory, 't', 1, service);
    const missing = await service.getSnapshot({ userId: mallory, id: '00000000-0000-4000-8000-000000000000' }).catch((e: unknown) => e);
    const foreign = await service.getSnapshot({ userId: mallory, id: secret!.id }).catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(SnapshotNotFoundError);
    expect((foreign as Error).message.replace(secret!.id, 'ID')).toBe((missing as Error).message.replace('00000000-0000-4000-8000-000000000000', 'ID'));
    await expect(service.getLineage({ userId: mallory, id: secret!.id })).rejects.toBeInstanceOf(SnapshotNotFoundError);
    // A parent link that points into another user's rows (written by hand) is not followed.
    const [own] = (await service.listSnapshots({ userId: mallory })).items;
    await prisma.$executeRawUnsafe(`UPDATE agent_state_snapshots SET parent_id = '${secret!.id}' WHERE id = '${own!.id}'`);
    expect((await service.getLineage({ userId: mallory, id: own!.id })).map((s) => s.userId)).toEqual([mallory]);
  });

  it('multi-row reads stop at a byte budget computed in SQL: a page ends early with a cursor, lineage stops', async () => {
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    const big = 'x'.repeat(3000);
    const saved: Snapshot[] = [];
    let parentId: string | null = null;
    for (let i = 0; i < 6; i++) {
      const result: SaveSnapshotResult = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { i, big }, parentId });
      if (result.status !== 'saved') throw new Error('expected saved');
      saved.push(result.snapshot);
      parentId = result.snapshot.id;
    }
    // ~3 KB per row: a 7 KB budget takes rows while the bytes before them are under 7 KB, i.e. 3 rows
    const first = await service.listSnapshots({ userId, limit: 50, maxBytes: 7000 });
    expect(first.items.map((s) => (s.state as { i: number }).i)).toEqual([5, 4, 3]);
    expect(first.nextCursor).not.toBeNull();
    const rest = await service.listSnapshots({ userId, limit: 50, maxBytes: 7000, cursor: first.nextCursor });
    expect(rest.items.map((s) => (s.state as { i: number }).i)).toEqual([2, 1, 0]);
    expect(rest.nextCursor).toBeNull();
    // one row always comes back, whatever the budget
    expect((await service.listSnapshots({ userId, maxBytes: 1024 })).items).toHaveLength(1);
    expect((await service.getLineage({ userId, id: saved[5]!.id, maxBytes: 7000 })).map((s) => (s.state as { i: number }).i)).toEqual([5, 4, 3]);
    await expect(service.listSnapshots({ userId, maxBytes: 10 })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'maxBytes' });
  });

  it('listSnapshots pages newest first and returns every snapshot exactly once', async () => {
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    const saved = await seedThread(userId, 't', 23, service);
    await seedThread(userId, 'other', 4, service);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: Snapshot[]; nextCursor: string | null } = await service.listSnapshots({ userId, threadId: 't', limit: 5, cursor });
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual(saved.map((s) => s.id).reverse());
    expect(new Set(seen).size).toBe(23);

    const all = await service.listSnapshots({ userId, limit: 500 });
    expect(all.items).toHaveLength(27);
    expect(all.items[all.items.length - 1]).toEqual(saved[0]); // same shape as saved: no internal columns
    expect(all.nextCursor).toBeNull();
    const byRun = await service.listSnapshots({ userId, threadId: 't', runId: 'run-0' });
    expect(byRun.items.map((s) => s.runId)).toEqual(Array(8).fill('run-0'));
  });

  it('refuses bad cursors and limits with typed errors', async () => {
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    await seedThread(userId, 't', 3, service);
    const page = await service.listSnapshots({ userId, threadId: 't', limit: 1 });
    await expect(service.listSnapshots({ userId, threadId: 'other', cursor: page.nextCursor })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(service.listSnapshots({ userId, cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidCursorError);
    for (const limit of [0, -1, 501, 1.5, Number.MAX_SAFE_INTEGER, '10']) {
      await expect(service.listSnapshots({ userId, limit: limit as number })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'limit' });
    }
  });

  it('getLineage walks from a snapshot to its root', async () => {
    const { service } = serviceFor(db());
    const saved = await seedThread(unique('dev-temp-'), 't', 5, service);
    const userId = saved[0]!.userId;
    const lineage = await service.getLineage({ userId, id: saved[4]!.id });
    expect(lineage.map((s) => s.id)).toEqual(saved.map((s) => s.id).reverse());
    expect((await service.getLineage({ userId, id: saved[4]!.id, limit: 2 })).map((s) => s.id)).toEqual([saved[4]!.id, saved[3]!.id]);
    await expect(service.getLineage({ userId, id: '00000000-0000-4000-8000-000000000000' })).rejects.toBeInstanceOf(SnapshotNotFoundError);
  });

  it('deleteThread removes one thread only', async () => {
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    await seedThread(userId, 'gone', 3, service);
    await seedThread(userId, 'kept', 2, service);
    expect(await service.deleteThread({ userId, threadId: 'gone' })).toEqual({ deletedSnapshots: 3 });
    expect((await service.listSnapshots({ userId })).items.map((s) => s.threadId)).toEqual(['kept', 'kept']);
  });

  it('deleteUserData removes the user and their snapshots, keeping the audit trail unless asked', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db());
    const keepAudit = unique('dev-temp-');
    const dropAudit = unique('dev-temp-');
    await seedThread(keepAudit, 't', 2, service);
    await seedThread(dropAudit, 't', 1, service);
    expect(await service.deleteUserData(keepAudit)).toEqual({ deletedUsers: 1, deletedSnapshots: 2, deletedAuditRows: 0 });
    expect(await prisma.userProvisioningAudit.count({ where: { subjectId: keepAudit } })).toBe(1);
    expect(await service.deleteUserData(dropAudit, { auditTrail: 'delete' })).toEqual({ deletedUsers: 1, deletedSnapshots: 1, deletedAuditRows: 1 });
    expect(await prisma.user.count({ where: { id: { in: [keepAudit, dropAudit] } } })).toBe(0);
    expect(await service.deleteUserData(unique('acct_'))).toEqual({ deletedUsers: 0, deletedSnapshots: 0, deletedAuditRows: 0 });
  });

  it('pruneSnapshots keeps the newest N per thread, or drops by age; lineage of kept snapshots ends at the oldest kept', async () => {
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    const a = await seedThread(userId, 'a', 5, service);
    await seedThread(userId, 'b', 2, service);
    expect(await service.pruneSnapshots({ userId, keepLast: 2 })).toEqual({ deletedSnapshots: 3 });
    expect((await service.listSnapshots({ userId, threadId: 'a' })).items.map((s) => s.id)).toEqual([a[4]!.id, a[3]!.id]);
    expect((await service.getLineage({ userId, id: a[4]!.id })).map((s) => s.id)).toEqual([a[4]!.id, a[3]!.id]);
    expect((await service.getSnapshot({ userId, id: a[3]!.id })).parentId).toBeNull();

    expect(await service.pruneSnapshots({ userId, olderThan: new Date(Date.now() - 60_000) })).toEqual({ deletedSnapshots: 0 });
    expect(await service.pruneSnapshots({ userId, olderThan: new Date(Date.now() + 60_000), keepLast: 1 })).toEqual({ deletedSnapshots: 2 });
    expect(await service.pruneSnapshots({ userId, olderThan: new Date(Date.now() + 60_000) })).toEqual({ deletedSnapshots: 2 });
  });

  it('pruneSnapshots across all users needs allUsers: true, and then keeps the newest per thread of everyone', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db());
    const users = [unique('dev-temp-'), unique('dev-temp-')];
    for (const userId of users) await seedThread(userId, 't', 3, service);
    await service.pruneSnapshots({ keepLast: 1, allUsers: true });
    expect(await prisma.agentStateSnapshot.count({ where: { userId: { in: users } } })).toBe(2);
  });

  it('refuses unbounded or malformed data-management calls without deleting anything', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db());
    await seedThread(unique('dev-temp-'), 't', 2, service);
    const before = await countAllRows(prisma);
    await expect(service.pruneSnapshots({})).rejects.toBeInstanceOf(InvalidInputError);
    await expect(service.pruneSnapshots({ keepLast: -1 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(service.pruneSnapshots({ olderThan: 'yesterday' as never })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(service.pruneSnapshots({ keepLast: 1, threadId: 't' })).rejects.toBeInstanceOf(InvalidInputError);
    // across all users only by name; keepLast: 0 is deleteThread/deleteUserData, not pruning
    await expect(service.pruneSnapshots({ keepLast: 1 })).rejects.toMatchObject({ field: 'userId', message: expect.stringContaining('allUsers: true') });
    await expect(service.pruneSnapshots({ keepLast: 0, allUsers: true })).rejects.toMatchObject({ field: 'keepLast', message: expect.stringContaining('deleteThread') });
    await expect(service.pruneSnapshots({ keepLast: 1, allUsers: 'yes' as never })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(service.deleteThread({ userId: 'x', threadId: '' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(service.deleteUserData('')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(service.deleteUserData('test-x', { auditTrail: 'erase' as never })).rejects.toBeInstanceOf(InvalidInputError);
    expect(await countAllRows(prisma)).toEqual(before);
  });
});

/**
 * A remembered user or thread must never turn a save that should succeed
 * into an error: the two reproductions from the issue, on both databases.
 */
import { runAdminStatement } from '@agentstate/db';
import { describeEachDatabase } from '@agentstate/db/testing';
import { UnknownReferenceError, UnknownUserError } from './errors';
import { createStatePersistence } from './service';
import { serviceFor, unique } from './testing/fixtures';

describeEachDatabase('a stale known-reference cache never changes an outcome', (db, kind) => {
  /** A delete made by another process: its own connection on PostgreSQL (PGlite has only one). */
  async function deleteElsewhere(sql: string): Promise<void> {
    const { url, prisma } = db();
    if (kind === 'postgresql' && url) await runAdminStatement(url, sql);
    else await prisma.$executeRawUnsafe(sql);
  }

  it('save, deleteUserData, save again in the same thread: the user and thread are created again', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db(), 'development');
    const userId = unique('dev-temp-');
    await expect(service.saveSnapshot({ userId, threadId: 't1', runId: 'r', state: 1 })).resolves.toMatchObject({ provisioning: 'created' });
    await service.deleteUserData(userId);
    await expect(service.saveSnapshot({ userId, threadId: 't1', runId: 'r', state: 2 })).resolves.toMatchObject({ status: 'saved', provisioning: 'created' });
    expect(await prisma.agentThread.count({ where: { userId } })).toBe(1);
    expect(await prisma.userProvisioningAudit.count({ where: { subjectId: userId, outcome: 'created' } })).toBe(2);
  });

  it('another instance deletes the user: this instance saves in a new thread and re-creates the user', async () => {
    const { prisma } = db();
    const a = serviceFor(db(), 'development').service;
    const userId = unique('test-u');
    await a.saveSnapshot({ userId, threadId: 'th1', runId: 'r', state: 1 });
    await deleteElsewhere(`DELETE FROM userbase WHERE id = '${userId}'`);
    await expect(a.saveSnapshot({ userId, threadId: 'th0', runId: 'r', state: 2 })).resolves.toMatchObject({ status: 'saved', provisioning: 'created' });
    await expect(a.saveSnapshot({ userId, threadId: 'th1', runId: 'r', state: 3 })).resolves.toMatchObject({ status: 'saved', provisioning: 'already-existed' });
    expect(await prisma.agentThread.count({ where: { userId } })).toBe(2);
  });

  it('a remembered user deleted elsewhere, whom the policy does not let us create, is UnknownUserError naming the user', async () => {
    const { prisma } = db();
    const userId = unique('acct_');
    await prisma.user.create({ data: { id: userId, email: `${userId}@company.example` } });
    const { service } = serviceFor(db(), 'development');
    await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 1 });
    await deleteElsewhere(`DELETE FROM userbase WHERE id = '${userId}'`);
    const error = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownUserError);
    expect((error as Error).message).toContain(`User "${userId}" does not exist`);
  });

  it('a remembered user deleted elsewhere, saved with a parent that went with it: the answer a cache-less service gives', async () => {
    const { prisma } = db();
    const userId = unique('acct_');
    await prisma.user.create({ data: { id: userId, email: `${userId}@company.example` } });
    const cached = serviceFor(db(), 'development').service;
    const cacheLess = createStatePersistence({ prisma, environment: 'development', knownReferenceCacheSize: 0 });
    const first = await cached.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 1 });
    if (first.status !== 'saved') throw new Error('expected saved');
    await deleteElsewhere(`DELETE FROM userbase WHERE id = '${userId}'`);
    const input = { userId, threadId: 't', runId: 'r', state: 2, parentId: first.snapshot.id };
    const expected = await cacheLess.saveSnapshot(input).catch((e: unknown) => e);
    expect(expected).toBeInstanceOf(UnknownUserError);
    await expect(cached.saveSnapshot(input)).rejects.toThrow(UnknownUserError);
  });

  it('a missing must-exist reference is named with its real rule, also when the cache remembered it', async () => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    const rules = { User: { kind: 'policy' }, AgentThread: { kind: 'must-exist' } } as const;
    const service = createStatePersistence({ prisma, environment: 'development', referenceRules: rules, ...(db().sql ? { sql: db().sql } : {}) });
    await prisma.user.create({ data: { id: userId, email: `${userId}@x.example` } });
    await prisma.agentThread.create({ data: { user: { connect: { id: userId } }, id: 'kept' } });
    await service.saveSnapshot({ userId, threadId: 'kept', runId: 'r', state: 1 });
    await deleteElsewhere(`DELETE FROM agent_threads WHERE user_id = '${userId}'`);
    const error = await service.saveSnapshot({ userId, threadId: 'kept', runId: 'r', state: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownReferenceError);
    expect(error).toMatchObject({ model: 'AgentThread', key: `${userId}/kept`, rule: 'must-exist' });
    expect((error as Error).message).toMatch(/its rule \(must-exist\)/);
  });
});

import { countAllRows, describeEachDatabase } from '@agentstate/db/testing';
import { createMemoryLogger } from '@agentstate/logger';
import { UnknownReferenceError, UnknownUserError } from './errors';
import { createStatePersistence } from './service';
import { serviceFor, unique } from './testing/fixtures';

describeEachDatabase('threads: the second required reference', (db) => {
  it('creates the thread on first use, in the same write, for a new dev user', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db(), 'development');
    const userId = unique('dev-temp-');
    await service.saveSnapshot({ userId, threadId: 'chat-1', runId: 'r', state: 1 });
    await service.saveSnapshot({ userId, threadId: 'chat-1', runId: 'r', state: 2 });
    await service.saveSnapshot({ userId, threadId: 'chat-2', runId: 'r', state: 3 });
    const threads = await prisma.agentThread.findMany({ where: { userId }, orderBy: { id: 'asc' } });
    expect(threads.map((t) => [t.id, t.autoProvisioned])).toEqual([
      ['chat-1', true],
      ['chat-2', true],
    ]);
  });

  it('creates threads for existing production users too, but never the user', async () => {
    const { prisma } = db();
    const userId = unique('acct_');
    await prisma.user.create({ data: { id: userId, email: `${userId}@company.example` } });
    const { service } = serviceFor(db(), 'production');
    await expect(service.saveSnapshot({ userId, threadId: 'support', runId: 'r', state: {} })).resolves.toMatchObject({ status: 'saved' });
    expect(await prisma.agentThread.count({ where: { userId } })).toBe(1);

    const stranger = unique('acct_');
    const before = await countAllRows(prisma);
    await expect(service.saveSnapshot({ userId: stranger, threadId: 'support', runId: 'r', state: {} })).rejects.toBeInstanceOf(UnknownUserError);
    const after = await countAllRows(prisma);
    expect({ ...after, user_provisioning_audit: before.user_provisioning_audit }).toEqual(before); // only the refusal's audit row
    expect(after.user_provisioning_audit).toBe((before.user_provisioning_audit ?? 0) + 1);
  });

  it('recreates a thread deleted by deleteThread on the next save', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db(), 'development');
    const userId = unique('test-');
    await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 1 });
    expect(await service.deleteThread({ userId, threadId: 't' })).toEqual({ deletedSnapshots: 1 });
    expect(await prisma.agentThread.count({ where: { userId } })).toBe(0);
    await expect(service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 2 })).resolves.toMatchObject({ status: 'saved' });
    expect(await prisma.agentThread.count({ where: { userId } })).toBe(1);
  });

  it("with a 'must-exist' rule for threads, a missing thread is a typed error and nothing is written", async () => {
    const { prisma } = db();
    const service = createStatePersistence({
      prisma,
      environment: 'development',
      logger: createMemoryLogger().logger,
      referenceRules: { User: { kind: 'policy' }, AgentThread: { kind: 'must-exist' } },
    });
    const userId = unique('dev-temp-');
    await prisma.user.create({ data: { id: userId, email: `${userId}@x.invalid` } });
    const before = await countAllRows(prisma);
    const error = await service.saveSnapshot({ userId, threadId: 'nope', runId: 'r', state: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownReferenceError);
    expect(error).toMatchObject({ code: 'UNKNOWN_REFERENCE', model: 'AgentThread', key: `${userId}/nope` });
    expect(await countAllRows(prisma)).toEqual(before);
    await prisma.agentThread.create({ data: { user: { connect: { id: userId } }, id: 'exists' } });
    await expect(service.saveSnapshot({ userId, threadId: 'exists', runId: 'r', state: 1 })).resolves.toMatchObject({ status: 'saved' });
  });
});

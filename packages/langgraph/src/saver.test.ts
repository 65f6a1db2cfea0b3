import { countAllRows, describeEachDatabase, describePostgres } from '@agentstate/db/testing';
import { ProvisioningRefusedError, UnknownUserError, createStatePersistence } from '@agentstate/state-persistence';
import { silentLogger } from '@agentstate/logger';
import { emptyCheckpoint, uuid6, type Checkpoint, type CheckpointMetadata } from '@langchain/langgraph-checkpoint';
import type { RunnableConfig } from '@langchain/core/runnables';
import { MissingOwnerError } from './index';
import { configFor, testSaver, unique } from './testing';

const META: CheckpointMetadata = { source: 'input', step: -1, parents: {} };

function checkpointWith(values: Record<string, unknown>, versions: Record<string, number>): Checkpoint {
  return { ...emptyCheckpoint(), id: uuid6(-1), channel_values: values, channel_versions: versions };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describeEachDatabase('AgentStateSaver', (db) => {
  it('puts and reads back a checkpoint for a new test- user, creating the user and thread through the write path (audited once)', async () => {
    const { prisma } = db();
    const userId = unique('test-');
    const saver = testSaver(db());
    const checkpoint = checkpointWith({ messages: ['hi'], bytes: new Uint8Array([0, 1, 2]), nul: 'a\u0000b' }, { messages: 1, bytes: 1, nul: 1 });
    const next = await saver.put(configFor('thread-1', userId), checkpoint, { ...META, note: 'x\u0000y' } as CheckpointMetadata, { messages: 1, bytes: 1, nul: 1 });
    // the config names its owner, so LangGraph can hand it back (time travel) and still be this user's
    expect(next).toEqual({ configurable: { thread_id: 'thread-1', checkpoint_ns: '', checkpoint_id: checkpoint.id, user_id: userId } });
    const tuple = await saver.getTuple(configFor('thread-1', userId));
    expect(tuple?.checkpoint.channel_values).toEqual({ messages: ['hi'], bytes: new Uint8Array([0, 1, 2]), nul: 'a\u0000b' });
    expect(tuple?.metadata).toEqual({ ...META, note: 'x\u0000y' });
    expect(await prisma.user.findUniqueOrThrow({ where: { id: userId } })).toMatchObject({ autoProvisioned: true, role: 'tester' });
    expect(await prisma.agentThread.count({ where: { userId, id: 'thread-1' } })).toBe(1);
    expect(await prisma.userProvisioningAudit.findMany({ where: { subjectId: userId } })).toEqual([expect.objectContaining({ outcome: 'created', environment: 'test' })]);
  });

  it('refuses a dev-temp- owner in production: typed error, an audit row, nothing written', async () => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    const saver = testSaver(db(), { environment: 'production' });
    const before = await countAllRows(prisma);
    await expect(saver.put(configFor('t', userId), emptyCheckpoint(), META, {})).rejects.toBeInstanceOf(ProvisioningRefusedError);
    await expect(saver.putWrites(configFor('t', userId, { checkpoint_id: uuid6(-1) }), [['a', 1]], 'task')).rejects.toMatchObject({ code: 'PROVISIONING_REFUSED' });
    const after = await countAllRows(prisma);
    expect(await prisma.userProvisioningAudit.findMany({ where: { subjectId: userId } })).toEqual([
      expect.objectContaining({ outcome: 'refused', reasonCode: 'DEV_ID_IN_PRODUCTION', environment: 'production' }),
      expect.objectContaining({ outcome: 'refused', reasonCode: 'DEV_ID_IN_PRODUCTION', environment: 'production' }),
    ]);
    expect({ ...after, user_provisioning_audit: before.user_provisioning_audit }).toEqual(before);
  });

  it('turns a missing production user into UnknownUserError (audited), never a raw foreign key error', async () => {
    const { prisma } = db();
    const userId = unique('acct-');
    const saver = testSaver(db(), { environment: 'production' });
    await expect(saver.put(configFor('t', userId), emptyCheckpoint(), META, {})).rejects.toBeInstanceOf(UnknownUserError);
    expect(await prisma.agentCheckpoint.count({ where: { userId } })).toBe(0);
    expect(await prisma.userProvisioningAudit.findMany({ where: { subjectId: userId } })).toEqual([expect.objectContaining({ outcome: 'refused', reasonCode: 'USER_NOT_FOUND' })]);
    // an existing production user is written for, without touching the user
    await prisma.user.create({ data: { id: userId, email: `${userId}@company.example` } });
    await expect(saver.put(configFor('t', userId), emptyCheckpoint(), META, {})).resolves.toBeDefined();
    expect(await prisma.agentCheckpoint.count({ where: { userId } })).toBe(1);
  });

  it('fails with MissingOwnerError when neither user_id nor defaultUserId is given, writing nothing', async () => {
    const { prisma } = db();
    const saver = testSaver(db());
    const before = await countAllRows(prisma);
    const error = await saver.put(configFor('t'), emptyCheckpoint(), META, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingOwnerError);
    expect(error).toMatchObject({ code: 'MISSING_OWNER' });
    await expect(saver.putWrites(configFor('t', undefined, { checkpoint_id: uuid6(-1) }), [['a', 1]], 'task')).rejects.toBeInstanceOf(MissingOwnerError);
    await expect(saver.getTuple(configFor('t'))).rejects.toBeInstanceOf(MissingOwnerError);
    await expect(saver.deleteThread('t')).rejects.toBeInstanceOf(MissingOwnerError);
    expect(await countAllRows(prisma)).toEqual(before);
  });

  it('isolates users: same thread id, getTuple, list without thread_id, and deleteThread never cross users', async () => {
    const alice = unique('test-alice-');
    const bob = unique('test-bob-');
    const saver = testSaver(db());
    const a = checkpointWith({ owner: 'alice' }, { owner: 1 });
    const b = checkpointWith({ owner: 'bob' }, { owner: 1 });
    await saver.put(configFor('shared', alice), a, META, { owner: 1 });
    await saver.put(configFor('shared', bob), b, META, { owner: 1 });
    expect((await saver.getTuple(configFor('shared', alice)))?.checkpoint.channel_values).toEqual({ owner: 'alice' });
    expect((await saver.getTuple(configFor('shared', bob)))?.checkpoint.channel_values).toEqual({ owner: 'bob' });
    // bob cannot read alice's checkpoint even by its id
    expect(await saver.getTuple(configFor('shared', bob, { checkpoint_id: a.id }))).toBeUndefined();
    expect((await collect(saver.list({ configurable: { user_id: alice } }))).map((t) => t.checkpoint.id)).toEqual([a.id]);
    expect((await collect(saver.forUser(bob).list({ configurable: {} }))).map((t) => t.checkpoint.id)).toEqual([b.id]);

    await saver.forUser(alice).deleteThread('shared');
    expect(await saver.getTuple(configFor('shared', alice))).toBeUndefined();
    expect((await saver.getTuple(configFor('shared', bob)))?.checkpoint.id).toBe(b.id);
    // a scoped saver refuses a config naming another user
    await expect(saver.forUser(alice).getTuple(configFor('shared', bob))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it("deleteThread of an unscoped saver deletes defaultUserId's thread only", async () => {
    const owner = unique('test-');
    const other = unique('test-');
    const saver = testSaver(db(), { defaultUserId: owner });
    await saver.put(configFor('t'), emptyCheckpoint(), META, {});
    await saver.put(configFor('t', other), emptyCheckpoint(), META, {});
    await saver.deleteThread('t');
    expect(await saver.getTuple(configFor('t'))).toBeUndefined();
    expect(await saver.getTuple(configFor('t', other))).toBeDefined();
  });

  it('prune keeps the newest N per thread and every blob a kept checkpoint resolves through', async () => {
    const { prisma } = db();
    const userId = unique('test-');
    const saver = testSaver(db()).forUser(userId);
    let config: RunnableConfig = configFor('t');
    const ids: string[] = [];
    // 'stable' is written once (version 1) and carried over by every later checkpoint
    for (let step = 1; step <= 5; step++) {
      const checkpoint = checkpointWith({ stable: 'kept', counter: step }, { stable: 1, counter: step });
      ids.push(checkpoint.id);
      config = await saver.put(config, checkpoint, { ...META, step }, step === 1 ? { stable: 1, counter: 1 } : { counter: step });
      await saver.putWrites(config, [['counter', step + 1]], `task-${step}`);
    }
    const result = await saver.prune({ keepLast: 2 });
    expect(result).toEqual({ deletedCheckpoints: 3, deletedWrites: 3, deletedBlobs: 3 });
    const left = await collect(saver.list(configFor('t')));
    expect(left.map((t) => t.checkpoint.id)).toEqual([ids[4], ids[3]]);
    expect(left[0]?.checkpoint.channel_values).toEqual({ stable: 'kept', counter: 5 });
    expect(await prisma.agentCheckpointBlob.count({ where: { userId } })).toBe(3);
    await expect(saver.prune({ keepLast: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('prune olderThan deletes only old checkpoints (with keepLast: both must hold), always keeps the latest, and every blob a kept one needs', async () => {
    const { prisma } = db();
    const userId = unique('test-');
    const saver = testSaver(db()).forUser(userId);
    async function thread(threadId: string): Promise<string[]> {
      let config: RunnableConfig = configFor(threadId);
      const ids: string[] = [];
      for (let step = 1; step <= 5; step++) {
        const checkpoint = checkpointWith({ stable: 'kept', counter: step }, { stable: 1, counter: step });
        ids.push(checkpoint.id);
        config = await saver.put(config, checkpoint, { ...META, step }, step === 1 ? { stable: 1, counter: 1 } : { counter: step });
        await saver.putWrites(config, [['counter', step + 1]], `task-${step}`);
      }
      return ids;
    }
    const age = (threadId: string, ids: string[], days: number) =>
      prisma.agentCheckpoint.updateMany({ where: { userId, threadId, checkpointId: { in: ids } }, data: { createdAt: new Date(Date.now() - days * 86_400_000) } });
    const remaining = async (threadId: string) => (await collect(saver.list(configFor(threadId)))).map((t) => t.checkpoint.id);
    const dayAgo = new Date(Date.now() - 86_400_000);

    // 'old': the three oldest checkpoints are 10 days old, the two newest are fresh; 'fresh' is all fresh
    const old = await thread('old');
    const fresh = await thread('fresh');
    await age('old', old.slice(0, 3), 10);
    // both must hold: beyond the newest 4 AND older than a day → only the oldest goes
    expect(await saver.prune({ keepLast: 4, olderThan: dayAgo })).toEqual({ deletedCheckpoints: 1, deletedWrites: 1, deletedBlobs: 1 });
    expect(await remaining('old')).toEqual(old.slice(1).reverse());
    // olderThan alone: every old checkpoint (the 'fresh' thread untouched)
    expect(await saver.prune({ olderThan: dayAgo })).toEqual({ deletedCheckpoints: 2, deletedWrites: 2, deletedBlobs: 2 });
    expect(await remaining('old')).toEqual([old[4], old[3]]);
    expect(await remaining('fresh')).toEqual([...fresh].reverse());
    // a thread whose checkpoints are all old keeps its latest, which still resolves the value written by the first one
    await age('old', old, 30);
    await age('fresh', fresh, 30);
    expect(await saver.prune({ threadId: 'old', olderThan: dayAgo })).toMatchObject({ deletedCheckpoints: 1 });
    expect(await remaining('old')).toEqual([old[4]]);
    expect((await saver.getTuple(configFor('old')))?.checkpoint.channel_values).toEqual({ stable: 'kept', counter: 5 });
    expect(await prisma.agentCheckpointBlob.count({ where: { userId, threadId: 'old' } })).toBe(2);
    expect(await remaining('fresh')).toHaveLength(5);
    // nothing to prune, or nonsense: typed errors, nothing deleted
    await expect(saver.prune({})).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(saver.prune({ olderThan: new Date('not a date') })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(saver.prune({ olderThan: '2020-01-01' as never })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(saver.prune({ keepLast: 2, olderTham: dayAgo } as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await remaining('fresh')).toHaveLength(5);
  });

  it("deleteUserData (state-persistence) removes the user's checkpoints, blobs and writes with the rest", async () => {
    const { prisma } = db();
    const userId = unique('test-');
    const saver = testSaver(db()).forUser(userId);
    const config = await saver.put(configFor('t'), checkpointWith({ a: 1 }, { a: 1 }), META, { a: 1 });
    await saver.putWrites(config, [['a', 2]], 'task');
    const service = createStatePersistence({ prisma, environment: 'test', logger: silentLogger });
    await service.deleteUserData(userId);
    const counts = await Promise.all([prisma.agentCheckpoint.count({ where: { userId } }), prisma.agentCheckpointBlob.count({ where: { userId } }), prisma.agentCheckpointWrite.count({ where: { userId } })]);
    expect(counts).toEqual([0, 0, 0]);
  });
});

describePostgres('AgentStateSaver under concurrency', (db) => {
  it('concurrent first puts for a brand-new test- user: one user row, one created audit row, every checkpoint saved', async () => {
    const { prisma } = db();
    const userId = unique('test-race-');
    // separate savers: no shared known-reference cache, like separate processes
    const savers = Array.from({ length: 8 }, () => testSaver(db()));
    await Promise.all(savers.map((saver, i) => saver.put(configFor(`thread-${i % 3}`, userId), checkpointWith({ i }, { i: 1 }), META, { i: 1 })));
    expect(await prisma.user.count({ where: { id: userId } })).toBe(1);
    expect(await prisma.userProvisioningAudit.count({ where: { subjectId: userId, outcome: 'created' } })).toBe(1);
    expect(await prisma.agentThread.count({ where: { userId } })).toBe(3);
    expect(await prisma.agentCheckpoint.count({ where: { userId } })).toBe(8);
  });
}, { poolSize: 10 });

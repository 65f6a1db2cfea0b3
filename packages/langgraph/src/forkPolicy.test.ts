/**
 * Optimistic concurrency (forkPolicy 'reject'): two writers that both continue
 * the same checkpoint cannot silently fork the thread. Races run on PostgreSQL
 * (PGlite has one connection: nothing runs concurrently there); the sequential
 * rules run on both databases.
 */
import { countAllRows, describeEachDatabase, describePostgres } from '@agentstate/db/testing';
import { ConcurrentWriteError, InvalidInputError } from '@agentstate/write-path';
import { emptyCheckpoint, uuid6, type Checkpoint, type CheckpointMetadata } from '@langchain/langgraph-checkpoint';
import { Annotation, END, START, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import { StaleCheckpointError, type AgentStateSaver } from './index';
import { configFor, testSaver, unique } from './testing';

const META: CheckpointMetadata = { source: 'loop', step: 0, parents: {} };

function checkpoint(value: string): Checkpoint {
  return { ...emptyCheckpoint(), id: uuid6(-1), channel_values: { v: value }, channel_versions: { v: `${Date.now()}.${value}` } };
}

/** A put continuing `parent` (null: the first checkpoint of the thread). */
function putAfter(saver: AgentStateSaver, userId: string, threadId: string, parent: string | null, value: string, extra: Record<string, unknown> = {}) {
  const cp = checkpoint(value);
  const config = configFor(threadId, userId, { ...(parent ? { checkpoint_id: parent } : {}), ...extra });
  return saver.put(config, cp, META, cp.channel_versions).then(() => cp.id);
}

describeEachDatabase('forkPolicy', (db) => {
  it("default 'allow' keeps LangGraph's behaviour: continuing an old checkpoint forks the thread", async () => {
    const userId = unique('test-');
    const saver = testSaver(db());
    const root = await putAfter(saver, userId, 't', null, 'root');
    const a = await putAfter(saver, userId, 't', root, 'a');
    const b = await putAfter(saver, userId, 't', root, 'b');
    expect(a).not.toBe(b);
    expect(await db().prisma.agentCheckpoint.count({ where: { userId, threadId: 't' } })).toBe(3);
  });

  it("'reject': a put whose parent is no longer the latest fails with StaleCheckpointError (a ConcurrentWriteError) and writes nothing", async () => {
    const userId = unique('test-');
    const saver = testSaver(db(), { forkPolicy: 'reject' });
    const root = await putAfter(saver, userId, 't', null, 'root');
    const a = await putAfter(saver, userId, 't', root, 'a');
    const before = await countAllRows(db().prisma);
    const error = await putAfter(saver, userId, 't', root, 'b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaleCheckpointError);
    expect(error).toBeInstanceOf(ConcurrentWriteError);
    expect(error).toMatchObject({ code: 'CONCURRENT_WRITE', threadId: 't', checkpointNs: '', expectedParentId: root, actualLatestId: a });
    expect(await countAllRows(db().prisma)).toEqual(before);
    // a second first checkpoint (no parent) on a non-empty thread is a fork too
    await expect(putAfter(saver, userId, 't', null, 'c')).rejects.toBeInstanceOf(StaleCheckpointError);
    // continuing the latest works; so does retrying the very same put
    const next = await putAfter(saver, userId, 't', a, 'd');
    const cp = checkpoint('retry');
    await saver.put(configFor('t', userId, { checkpoint_id: next }), cp, META, cp.channel_versions);
    await saver.put(configFor('t', userId, { checkpoint_id: next }), cp, META, cp.channel_versions);
    expect((await saver.getTuple(configFor('t', userId)))?.checkpoint.id).toBe(cp.id);
    // namespaces are separate lines: a subgraph's first checkpoint is not a fork of the root namespace
    await expect(putAfter(saver, userId, 't', null, 'sub', { checkpoint_ns: 'child:1' })).resolves.toBeDefined();
  });

  it("a call may choose: configurable.fork_policy overrides the saver's default either way", async () => {
    const userId = unique('test-');
    const rejecting = testSaver(db(), { forkPolicy: 'reject' });
    const root = await putAfter(rejecting, userId, 't', null, 'root');
    await putAfter(rejecting, userId, 't', root, 'a');
    await expect(putAfter(rejecting, userId, 't', root, 'fork', { fork_policy: 'allow' })).resolves.toBeDefined();
    const allowing = testSaver(db());
    await expect(putAfter(allowing, userId, 't', root, 'fork-2', { fork_policy: 'reject' })).rejects.toBeInstanceOf(StaleCheckpointError);
    await expect(putAfter(allowing, userId, 't', root, 'x', { fork_policy: 'maybe' })).rejects.toBeInstanceOf(InvalidInputError);
    expect(() => testSaver(db(), { forkPolicy: 'sometimes' as never })).toThrow(InvalidInputError);
  });

  it("a real StateGraph runs on a 'reject' saver; time travel then needs fork_policy 'allow' in the call's configurable", async () => {
    const State = Annotation.Root({ steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }) });
    const build = (checkpointer: BaseCheckpointSaver) =>
      new StateGraph(State)
        .addNode('one', () => ({ steps: ['one'] }))
        .addNode('two', () => ({ steps: ['two'] }))
        .addEdge(START, 'one')
        .addEdge('one', 'two')
        .addEdge('two', END)
        .compile({ checkpointer });
    const graph = build(testSaver(db(), { forkPolicy: 'reject' }));
    const config = { configurable: { thread_id: 'g', user_id: unique('test-') } };
    expect((await graph.invoke({ steps: [] }, config)).steps).toEqual(['one', 'two']);
    const history = [];
    for await (const state of graph.getStateHistory(config)) history.push(state);
    const earlier = history.find((s) => s.next[0] === 'two')?.config.configurable?.checkpoint_id as string;
    await expect(graph.invoke(null, { configurable: { ...config.configurable, checkpoint_id: earlier } })).rejects.toBeInstanceOf(StaleCheckpointError);
    const forked = await graph.invoke(null, { configurable: { ...config.configurable, checkpoint_id: earlier, fork_policy: 'allow' } });
    expect(forked.steps).toEqual(['one', 'two']);
  });
});

describePostgres('forkPolicy reject under real concurrency', (db) => {
  it('two savers continuing the same checkpoint at once: exactly one wins, the other gets StaleCheckpointError (50 rounds)', async () => {
    const userId = unique('test-');
    const first = testSaver(db(), { forkPolicy: 'reject' });
    const second = testSaver(db(), { forkPolicy: 'reject' });
    let parent = await putAfter(first, userId, 'race', null, 'root');
    for (let round = 0; round < 50; round++) {
      const results = await Promise.allSettled([putAfter(first, userId, 'race', parent, `a${round}`), putAfter(second, userId, 'race', parent, `b${round}`)]);
      const won = results.filter((r): r is PromiseFulfilledResult<string> => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.map((r) => r.reason)).toEqual([expect.any(StaleCheckpointError)]);
      parent = (won[0] as PromiseFulfilledResult<string>).value;
    }
    // a straight line: 51 checkpoints, each the child of the one before
    const rows = await db().prisma.agentCheckpoint.findMany({ where: { userId, threadId: 'race' }, orderBy: { checkpointId: 'asc' } });
    expect(rows).toHaveLength(51);
    rows.slice(1).forEach((row, i) => expect(row.parentCheckpointId).toBe(rows[i]?.checkpointId));
  });

  it('eight writers racing for the first checkpoint of a new user and thread: one checkpoint, one user, one created audit row', async () => {
    const userId = unique('test-');
    const savers = Array.from({ length: 8 }, () => testSaver(db(), { forkPolicy: 'reject' }));
    const results = await Promise.allSettled(savers.map((saver, i) => putAfter(saver, userId, 'fresh', null, `w${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StaleCheckpointError);
    const { prisma } = db();
    expect(await prisma.agentCheckpoint.count({ where: { userId } })).toBe(1);
    expect(await prisma.user.count({ where: { id: userId } })).toBe(1);
    expect(await prisma.userProvisioningAudit.count({ where: { subjectId: userId, outcome: 'created' } })).toBe(1);
  });

  it("without 'reject' the same race forks the thread (what the option prevents)", async () => {
    const userId = unique('test-');
    const [a, b] = [testSaver(db()), testSaver(db())];
    const root = await putAfter(a, userId, 'race', null, 'root');
    const results = await Promise.allSettled([putAfter(a, userId, 'race', root, 'a'), putAfter(b, userId, 'race', root, 'b')]);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await db().prisma.agentCheckpoint.count({ where: { userId, threadId: 'race', parentCheckpointId: root } })).toBe(2);
  });
});

/**
 * put and putWrites are keyed by checkpoint id, and by task and index, so a
 * retry after a lost reply stores each exactly once. Proven here through a
 * real TCP proxy that breaks the connection before a request reaches the
 * server or after its commit (@agentstate/db/testing's fault proxy), on the
 * PostgreSQL server, counted from a direct connection; and a whole graph run
 * under seeded random cuts ends exactly as the same run on LangGraph's
 * MemorySaver, checkpoint for checkpoint.
 */
import { createPrismaClient, type DatabaseClient } from '@agentstate/db';
import { describePostgres, seededRandom, startFaultProxyFor, type CutMoment, type FaultProxy } from '@agentstate/db/testing';
import { silentLogger } from '@agentstate/logger';
import { DatabaseUnavailableError } from '@agentstate/write-path';
import { Annotation, END, MemorySaver, START, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import { emptyCheckpoint, type Checkpoint } from '@langchain/langgraph-checkpoint';
import { createAgentStateSaver, type AgentStateSaver } from './index';
import { configFor, unique } from './testing';

const State = Annotation.Root({
  count: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** A loop of `steps` increments, each node also writing to a second channel. */
function counterGraph(checkpointer: BaseCheckpointSaver, steps: number) {
  return new StateGraph(State)
    .addNode('inc', (state) => ({ count: 1, log: [`step ${state.count + 1}`] }))
    .addEdge(START, 'inc')
    .addConditionalEdges('inc', (state) => (state.count >= steps ? END : 'inc'))
    .compile({ checkpointer });
}

function checkpoint(id: string, values: Record<string, unknown>): Checkpoint {
  const base = emptyCheckpoint();
  return { ...base, id, channel_values: values, channel_versions: Object.fromEntries(Object.keys(values).map((k) => [k, 1])) };
}

describePostgres('LangGraph saver: exactly once when the connection breaks', (db) => {
  let proxy: FaultProxy;
  let cut: DatabaseClient;
  beforeAll(async () => {
    proxy = await startFaultProxyFor(db().url!);
    cut = await createPrismaClient({ config: { provider: 'postgresql', url: proxy.urlFor(db().url!) }, poolSize: 4 });
  });
  afterAll(async () => {
    await cut?.close();
    await proxy?.close();
    proxy?.cutRandomly(null);
  });

  const saver = (options: { retry?: false | { maxAttempts: number } } = {}): AgentStateSaver =>
    createAgentStateSaver({ prisma: cut.prisma, sql: cut.sql!, environment: 'development', logger: silentLogger, ...options });
  const counts = async (userId: string) => ({
    checkpoints: await db().prisma.agentCheckpoint.count({ where: { userId } }),
    blobs: await db().prisma.agentCheckpointBlob.count({ where: { userId } }),
    writes: await db().prisma.agentCheckpointWrite.count({ where: { userId } }),
    users: await db().prisma.user.count({ where: { id: userId } }),
    audit: await db().prisma.userProvisioningAudit.count({ where: { subjectId: userId } }),
  });

  for (const moment of ['after-commit', 'before-request'] as CutMoment[]) {
    it(`put and putWrites cut ${moment}: retried by the library, each row stored once, the user created and audited once`, async () => {
      const userId = unique('dev-temp-');
      const s = saver();
      const config = configFor('t', userId);
      proxy.cutNext(moment);
      const next = await s.put(config, checkpoint('1ef0000000000001', { a: 'x', b: [1, 2] }), { source: 'input', step: -1, parents: {} }, { a: 1, b: 1 });
      proxy.cutNext(moment);
      await s.putWrites(next, [['a', 'y'], ['b', [3]]], 'task-1');
      expect(proxy.cuts[moment]).toBeGreaterThanOrEqual(2);
      expect(await counts(userId)).toEqual({ checkpoints: 1, blobs: 2, writes: 2, users: 1, audit: 1 });
      const tuple = await s.getTuple(next);
      expect(tuple?.checkpoint.channel_values).toEqual({ a: 'x', b: [1, 2] });
      expect(tuple?.pendingWrites).toEqual([['task-1', 'a', 'y'], ['task-1', 'b', [3]]]);
    });
  }

  it('with the built-in retry off, the caller retries the same put and putWrites: still once', async () => {
    const userId = unique('dev-temp-');
    const s = saver({ retry: false });
    const config = configFor('t', userId);
    const put = () => s.put(config, checkpoint('1ef0000000000002', { a: 'x' }), { source: 'input', step: -1, parents: {} }, { a: 1 });
    proxy.cutNext('after-commit');
    await expect(put()).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE', mayHaveBeenApplied: true });
    const next = await put();
    const putWrites = () => s.putWrites(next, [['a', 'y']], 'task-1');
    proxy.cutNext('after-commit');
    await expect(putWrites()).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await putWrites();
    expect(await counts(userId)).toEqual({ checkpoints: 1, blobs: 1, writes: 1, users: 1, audit: 1 });
  });

  it('a graph run under seeded random cuts ends exactly as on MemorySaver, read back through a fresh connection', async () => {
    const STEPS = 12;
    const userId = unique('dev-temp-');
    const config = { configurable: { thread_id: 'graph', user_id: userId }, recursionLimit: 100 };
    const reference = new MemorySaver();
    const expected = await counterGraph(reference, STEPS).invoke({ count: 0 }, { configurable: { thread_id: 'graph' }, recursionLimit: 100 });

    proxy.cutRandomly({ rate: 0.15, random: seededRandom(25) });
    const requestsBefore = proxy.requests;
    const cutsBefore = Object.values(proxy.cuts).reduce((a, b) => a + b, 0);
    let done: typeof expected;
    try {
      done = await counterGraph(saver({ retry: { maxAttempts: 8 } }), STEPS).invoke({ count: 0 }, config);
    } finally {
      proxy.cutRandomly(null);
    }
    expect(done).toEqual(expected);
    expect(Object.values(proxy.cuts).reduce((a, b) => a + b, 0) - cutsBefore).toBeGreaterThan(0);
    expect(proxy.requests - requestsBefore).toBeGreaterThan(STEPS);

    // A fresh saver on a direct connection reads the same history as a run without cuts (same saver, another
    // thread), checkpoint for checkpoint, as many as MemorySaver's: nothing lost, nothing doubled.
    const fresh = createAgentStateSaver({ prisma: db().prisma, sql: db().sql!, environment: 'development', logger: silentLogger });
    const clean = { configurable: { thread_id: 'clean', user_id: userId }, recursionLimit: 100 };
    expect(await counterGraph(fresh, STEPS).invoke({ count: 0 }, clean)).toEqual(expected);
    const history = async (c: typeof config) => {
      const out = [];
      for await (const tuple of fresh.list(c)) out.push({ values: tuple.checkpoint.channel_values, step: tuple.metadata?.step, writes: tuple.pendingWrites?.length });
      return out;
    };
    const ours = await history(config);
    expect(ours).toEqual(await history(clean));
    const theirs = [];
    for await (const tuple of reference.list({ configurable: { thread_id: 'graph' } })) theirs.push(tuple);
    expect(ours).toHaveLength(theirs.length);
    expect(await db().prisma.agentCheckpoint.count({ where: { userId, threadId: 'graph' } })).toBe(theirs.length);
    const stateAfter = await counterGraph(fresh, STEPS).getState(config);
    expect(stateAfter.values).toEqual(expected);
    expect(stateAfter.next).toEqual([]);
  });
});

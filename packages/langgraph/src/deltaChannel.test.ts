/**
 * LangGraph's DeltaChannel on the saver: MessagesDeltaValue and a DeltaValue
 * of our own (an order-sensitive list reducer, snapshot every 3 updates), on
 * PGlite and PostgreSQL.
 * - Differentially against LangGraph's MemorySaver: the same seeded random
 *   turns, interrupts and resumes, updateState calls, forks from earlier
 *   checkpoints (replayed or edited) and process restarts on both; every
 *   getState and getStateHistory must read the same.
 * - Writes come back in LangGraph's canonical order (compareWritesSortKeys),
 *   including code-point order of astral characters.
 * (Statements per getState at depth: deltaDepth.test.ts.)
 */
import { describeEachDatabase, pick, seededRandom } from '@agentstate/db/testing';
import { HumanMessage } from '@langchain/core/messages';
import { Command, MemorySaver, type StateSnapshot } from '@langchain/langgraph';
import { compareWritesSortKeys, emptyCheckpoint, uuid6, writesSortKey, type CheckpointMetadata } from '@langchain/langgraph-checkpoint';
import { CheckpointCycleError } from './index';
import { buildChatGraph, collect, comparable, ranksOf } from './deltaTesting';
import { configFor, testSaver, unique } from './testing';

type Graph = ReturnType<typeof buildChatGraph>;
interface Side {
  graph: Graph;
  config: { configurable: Record<string, unknown> };
  /** every checkpoint id of the thread (read straight from storage: cheaper than list) */
  ids(): Promise<string[]>;
}

/** Runs `op` on both sides; both must succeed with the same (comparable) result, or both fail with the same message. */
async function both(sides: [Side, Side], op: (side: Side) => Promise<unknown>): Promise<void> {
  const outcomes = [];
  for (const side of sides) {
    try {
      const value = await op(side);
      const ranks = ranksOf(await side.ids());
      outcomes.push({ ok: comparable(value as StateSnapshot, ranks) });
    } catch (error) {
      outcomes.push({ error: (error as Error).message.replace(/[0-9a-f-]{36}/g, 'uuid') });
    }
  }
  expect(outcomes[0]).toEqual(outcomes[1]);
}

async function expectSameReads(sides: [Side, Side], withHistory: boolean): Promise<void> {
  const views = [];
  for (const { graph, config, ids } of sides) {
    const ranks = ranksOf(await ids());
    const latest = await graph.getState(config);
    const history = withHistory ? await collect(graph.getStateHistory(config)) : [];
    views.push({ latest: comparable(latest, ranks), history: history.map((s) => comparable(s, ranks)) });
  }
  expect(views[0]).toEqual(views[1]);
}

describeEachDatabase('DeltaChannel graphs on the saver', (db, kind) => {
  it('runs a MessagesDeltaValue + DeltaValue graph past its first turn, across a restart, and stores no full message list per step', async () => {
    const { prisma } = db();
    const config = { configurable: { thread_id: 'chat', user_id: unique('test-') } };
    await buildChatGraph(testSaver(db())).invoke({ messages: [new HumanMessage({ id: 'h0', content: 'hello' })] }, config);
    const graph = buildChatGraph(testSaver(db())); // a restart
    const second = await graph.invoke({ messages: [new HumanMessage({ id: 'h1', content: 'again' })] }, config);
    expect(second.messages.map((m) => m.content)).toEqual(['hello', 're: hello', 'again', 're: again']);
    expect(second.log).toEqual(['chat:1', 'chat:3']);
    // Each step stored its writes, not the list: no message value among the blobs yet (the first snapshot comes at 100 updates).
    expect(await prisma.agentCheckpointBlob.count({ where: { userId: config.configurable.user_id, channel: 'messages', NOT: { type: 'empty' } } })).toBe(0);
    expect(await prisma.agentCheckpointWrite.count({ where: { userId: config.configurable.user_id, channel: 'messages' } })).toBe(4);
  });

  // one seed per database (each run takes seconds of LangGraph's own CPU)
  const seed = kind === 'pglite' ? 7 : 21;
  it(`reads exactly as MemorySaver through seeded random turns, interrupts, updates, forks and restarts (seed ${seed})`, async () => {
    const random = seededRandom(seed);
    const { prisma } = db();
    const userId = unique('test-');
    const ids = async () => (await prisma.agentCheckpoint.findMany({ where: { userId }, select: { checkpointId: true } })).map((r) => r.checkpointId);
    const ours: Side = { graph: buildChatGraph(testSaver(db())), config: { configurable: { thread_id: 'random', user_id: userId } }, ids };
    const memory = new MemorySaver();
    const memoryIds = async () => Object.values(memory.storage['random'] ?? {}).flatMap((byId) => Object.keys(byId));
    const reference: Side = { graph: buildChatGraph(memory), config: { configurable: { thread_id: 'random' } }, ids: memoryIds };
    const sides: [Side, Side] = [ours, reference];
    const counts: Record<string, number> = {};
    for (let step = 0; step < 40; step++) {
      const interrupted = (await ours.graph.getState(ours.config)).tasks.some((t) => t.interrupts.length > 0);
      const op = pick(random, interrupted ? ['resume', 'resume', 'turn', 'update', 'fork', 'restart'] : ['turn', 'turn', 'turn', 'turn', 'update', 'fork', 'restart']);
      counts[op] = (counts[op] ?? 0) + 1;
      if (op === 'turn') {
        const text = `${pick(random, ['hello', 'ask', 'fan', 'more', 'fan'])} ${step}`;
        await both(sides, ({ graph, config }) => graph.invoke({ messages: [new HumanMessage({ id: `h${step}`, content: text })] }, config));
      } else if (op === 'resume') {
        await both(sides, ({ graph, config }) => graph.invoke(new Command({ resume: `yes ${step}` }), config));
      } else if (op === 'update') {
        await both(sides, ({ graph, config }) => graph.updateState(config, { log: [`edit ${step}`], messages: [new HumanMessage({ id: `u${step}`, content: `note ${step}` })] }, 'chat'));
      } else if (op === 'fork') {
        // LangGraph's time travel: a snapshot from getStateHistory, its config handed back (the same position on both sides)
        const histories = await Promise.all(sides.map((side) => collect(side.graph.getStateHistory(side.config))));
        const index = Math.floor(random() * (histories[0]?.length ?? 0));
        const edit = random() < 0.5;
        const selectedOn = (side: Side) => histories[sides.indexOf(side)]?.[index] as StateSnapshot;
        // the state before the selected one, through the parentConfig LangGraph handed out
        await both(sides, async (side) => {
          const { parentConfig } = selectedOn(side);
          return parentConfig ? side.graph.getState(parentConfig) : null;
        });
        await both(sides, async (side) => {
          const { config } = selectedOn(side);
          return side.graph.invoke(null, edit ? await side.graph.updateState(config, { log: [`fork ${step}`] }, 'chat') : config);
        });
      } else {
        ours.graph = buildChatGraph(testSaver(db()));
      }
      await expectSameReads(sides, step % 20 === 19);
    }
    await expectSameReads(sides, true);
    // The run covered what it is about: every kind of operation, and branches longer than a snapshot period of "log"
    // (MessagesDeltaValue's period of 100 updates is crossed four times in the 200-turn test below).
    expect(Object.keys(counts).sort()).toEqual(['fork', 'restart', 'resume', 'turn', 'update']);
    expect(await prisma.agentCheckpointBlob.count({ where: { userId, channel: 'log', NOT: { type: 'empty' } } })).toBeGreaterThan(3);
  }, 180_000);

  it("returns each ancestor's writes in LangGraph's canonical order (task path, task id, index; by code point), oldest ancestor first", async () => {
    const saver = testSaver(db());
    const userId = unique('test-');
    const meta: CheckpointMetadata = { source: 'loop', step: 0, parents: {} };
    const c0 = await saver.put(configFor('order', userId), { ...emptyCheckpoint(), id: uuid6(-1), channel_values: { log: ['seed'] }, channel_versions: { log: 1 } }, meta, { log: 1 });
    // Concurrent tasks of one superstep, stored in an arbitrary order; paths and ids chosen where code point order differs from UTF-16 order and from collations.
    const tasks: Array<[path: string, id: string]> = [
      ['~1|b', 'task-b'],
      ['~1|\u{1F600}', 'task-emoji'], // astral: after U+FFFD by code point, before it by UTF-16 code unit
      ['~1|\uFFFD', 'task-fffd'],
      ['~1|a', 'task-z'],
      ['~1|a', 'task-Z'], // upper case before lower case by code point (not in a case-insensitive collation)
      ['', 'input'], // writes without a path (graph input) come first
    ];
    for (const [path, id] of tasks) await saver.putWrites(c0, [['log', [`${id}:0`]], ['log', [`${id}:1`]]], id, path);
    const c1 = await saver.put(c0, { ...emptyCheckpoint(), id: uuid6(-1), channel_versions: { log: 2 } }, meta, { log: 2 });
    await saver.putWrites(c1, [['log', ['next step']]], 'a-later-task', '~0');
    const c2 = await saver.put(c1, { ...emptyCheckpoint(), id: uuid6(-1), channel_versions: { log: 3 } }, meta, { log: 3 });

    const history = await saver.getDeltaChannelHistory({ config: c2, channels: ['log'] });
    const expected = [...tasks].sort(([pa, ia], [pb, ib]) => compareWritesSortKeys(writesSortKey(pa, ia, 0), writesSortKey(pb, ib, 0))).flatMap(([, id]) => [`${id}:0`, `${id}:1`]);
    expect(expected.slice(0, 8)).toEqual(['input:0', 'input:1', 'task-Z:0', 'task-Z:1', 'task-z:0', 'task-z:1', 'task-b:0', 'task-b:1']);
    expect(expected.slice(8)).toEqual(['task-fffd:0', 'task-fffd:1', 'task-emoji:0', 'task-emoji:1']);
    expect(history.log?.seed).toEqual(['seed']);
    expect(history.log?.writes.map((w) => (w[2] as string[])[0])).toEqual([...expected, 'next step']);
    // getTuple's pendingWrites come in the same order (LangGraph relies on it for the writes it applies itself)
    expect((await saver.getTuple(c0))?.pendingWrites?.map((w) => (w[2] as string[])[0])).toEqual(expected);
  });

  it('a parent chain that loops (only crafted ids make one) is a typed error, not an endless walk', async () => {
    const saver = testSaver(db());
    const userId = unique('test-');
    // as LangGraph writes it for a delta channel "log" that is not snapshotted here
    const meta = { source: 'loop', step: 0, parents: {}, delta_writes_versioned: true, counters_since_delta_snapshot: { log: [1, 1] } } as CheckpointMetadata;
    const [a, b] = [uuid6(-1), uuid6(-1)];
    // a's parent is b, b's parent is a
    await saver.put(configFor('loop', userId, { checkpoint_id: b }), { ...emptyCheckpoint(), id: a, channel_versions: { log: 1 } }, meta, { log: 1 });
    await saver.put(configFor('loop', userId, { checkpoint_id: a }), { ...emptyCheckpoint(), id: b, channel_versions: { log: 2 } }, meta, { log: 2 });
    await saver.putWrites(configFor('loop', userId, { checkpoint_id: a }), [['log', ['x']]], 'task');
    const error = await saver.getDeltaChannelHistory({ config: configFor('loop', userId, { checkpoint_id: b }), channels: ['log'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointCycleError);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', reasonCode: 'CHECKPOINT_CYCLE', threadId: 'loop' });
    // prune walks the same chain and ends too (both stay: each is the other's ancestor)
    await expect(saver.forUser(userId).prune({ threadId: 'loop', keepLast: 1 })).resolves.toEqual({ deletedCheckpoints: 0, deletedWrites: 0, deletedBlobs: 0 });
  });
});

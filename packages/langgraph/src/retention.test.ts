/**
 * prune's keep-set on DeltaChannel threads: a kept checkpoint keeps the
 * ancestors (their pending writes and the seed blob) its delta channels are
 * rebuilt from, so after prune({ keepLast: 1 }) the thread reads exactly as
 * before and continues exactly as on MemorySaver. deleteThread and
 * deleteUserData still remove everything.
 */
import { describeEachDatabase } from '@agentstate/db/testing';
import { silentLogger } from '@agentstate/logger';
import { createStatePersistence } from '@agentstate/state-persistence';
import { HumanMessage } from '@langchain/core/messages';
import { MemorySaver, type StateSnapshot } from '@langchain/langgraph';
import { buildChatGraph, collect, comparable, ranksOf } from './deltaTesting';
import { testSaver, unique } from './testing';

const MESSAGES_SNAPSHOT_EVERY = 4;

describeEachDatabase('prune on DeltaChannel threads', (db) => {
  it('keeps what a kept checkpoint rebuilds its delta channels from: after keepLast 1 the thread reads as before and continues as on MemorySaver', async () => {
    const { prisma } = db();
    const userId = unique('test-');
    const config = { configurable: { thread_id: 'kept', user_id: userId } };
    const memoryConfig = { configurable: { thread_id: 'kept' } };
    const graph = buildChatGraph(testSaver(db()), { messagesSnapshotEvery: MESSAGES_SNAPSHOT_EVERY });
    const memory = new MemorySaver();
    const reference = buildChatGraph(memory, { messagesSnapshotEvery: MESSAGES_SNAPSHOT_EVERY });
    const turn = async (n: number) => {
      const input = () => ({ messages: [new HumanMessage({ id: `h${n}`, content: `${n % 3 === 0 ? 'fan' : 'hello'} ${n}` })] });
      await graph.invoke(input(), config);
      await reference.invoke(input(), memoryConfig);
    };
    // Several snapshot periods long, and ending on a checkpoint that holds neither delta channel (it needs its ancestors).
    let turns = 0;
    const latestHolds = async () => Object.keys((await testSaver(db()).getTuple(config))?.checkpoint.channel_values ?? {});
    while (turns < 6 || (await latestHolds()).some((ch) => ch === 'messages' || ch === 'log')) await turn(++turns);
    // every id our thread ever had, so both savers' ids keep the same ranks after ours lost some
    const everId = new Set<string>();
    const ourIds = async () => {
      for (const r of await prisma.agentCheckpoint.findMany({ where: { userId }, select: { checkpointId: true } })) everId.add(r.checkpointId);
      return ranksOf(everId);
    };
    const memoryRanks = () => ranksOf(Object.values(memory.storage['kept'] ?? {}).flatMap((byId) => Object.keys(byId)));
    const ranks = await ourIds();
    const before = await collect(graph.getStateHistory(config));
    const latestBefore = comparable(await graph.getState(config), ranks);

    const result = await testSaver(db()).forUser(userId).prune({ threadId: 'kept', keepLast: 1 });
    const left = await collect(graph.getStateHistory(config));
    // Exactly as before: the latest state, and every checkpoint that stayed (its delta channels rebuilt from what stayed).
    expect(comparable(await graph.getState(config), ranks)).toEqual(latestBefore);
    const beforeById = new Map(before.map((s) => [s.config.configurable?.checkpoint_id, s]));
    for (const snapshot of left) expect(comparable(snapshot, ranks)).toEqual(comparable(beforeById.get(snapshot.config.configurable?.checkpoint_id) as StateSnapshot, ranks));
    // Some checkpoints went (the thread is several snapshot periods long), more than the latest stayed (its walk back to the seeds).
    expect(result.deletedCheckpoints).toBeGreaterThan(0);
    expect(left.length).toBeGreaterThan(1);
    expect(left.length + result.deletedCheckpoints).toBe(before.length);
    // What went: only checkpoints no kept one walks through; the oldest kept one holds a value for each delta channel or is the root.
    const oldestKept = left[left.length - 1] as StateSnapshot;
    const stored = await testSaver(db()).getTuple(oldestKept.config);
    expect(oldestKept.parentConfig === undefined || ['messages', 'log'].every((ch) => ch in (stored?.checkpoint.channel_values ?? {}))).toBe(true);

    // It continues exactly as on MemorySaver.
    for (let n = turns + 1; n <= turns + 3; n++) await turn(n);
    expect(comparable(await graph.getState(config), await ourIds())).toEqual(comparable(await reference.getState(memoryConfig), memoryRanks()));
    const ourRanks = await ourIds();
    const ours = (await collect(graph.getStateHistory(config))).map((s) => comparable(s, ourRanks));
    expect(ours.length).toBeGreaterThan(left.length);
    const theirs = new Map((await collect(reference.getStateHistory(memoryConfig))).map((s) => [JSON.stringify((comparable(s, memoryRanks()) as { config: unknown }).config), comparable(s, memoryRanks())]));
    for (const snapshot of ours) expect(snapshot).toEqual(theirs.get(JSON.stringify((snapshot as { config: unknown }).config)));
  });

  it('deleteThread and deleteUserData still remove every checkpoint, write and blob of a delta thread', async () => {
    const { prisma } = db();
    const counts = (userId: string) =>
      Promise.all([prisma.agentCheckpoint.count({ where: { userId } }), prisma.agentCheckpointWrite.count({ where: { userId } }), prisma.agentCheckpointBlob.count({ where: { userId } })]);
    const run = async (userId: string) => {
      const graph = buildChatGraph(testSaver(db()), { messagesSnapshotEvery: MESSAGES_SNAPSHOT_EVERY });
      for (let n = 1; n <= 4; n++) await graph.invoke({ messages: [new HumanMessage({ id: `h${n}`, content: `fan ${n}` })] }, { configurable: { thread_id: 'gone', user_id: userId } });
      expect((await counts(userId)).every((n) => n > 0)).toBe(true);
    };
    const [a, b] = [unique('test-'), unique('test-')];
    await run(a);
    await run(b);
    await testSaver(db()).forUser(a).deleteThread('gone');
    expect(await counts(a)).toEqual([0, 0, 0]);
    await createStatePersistence({ prisma, environment: 'test', logger: silentLogger }).deleteUserData(b);
    expect(await counts(b)).toEqual([0, 0, 0]);
  });
});

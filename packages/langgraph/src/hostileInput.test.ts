/**
 * Hostile values get the service's typed errors, before any connection is
 * taken, and leave the database unchanged: a value the serializer cannot
 * encode (e.g. nested 100,000 levels) is STATE_NOT_SERIALIZABLE, an id or
 * name PostgreSQL text cannot hold (NUL, a lone surrogate) is INVALID_INPUT,
 * for writes and for reads. (Test globals only: runs under vitest and Jest.)
 */
import { countAllRows, describeEachDatabase } from '@agentstate/db/testing';
import { createStatePersistence, InvalidInputError, StateNotSerializableError } from '@agentstate/state-persistence';
import { silentLogger } from '@agentstate/logger';
import { emptyCheckpoint, uuid6, type Checkpoint, type CheckpointMetadata } from '@langchain/langgraph-checkpoint';
import type { AgentStateSaver } from './index';
import { configFor, testSaver, unique } from './testing';

const META: CheckpointMetadata = { source: 'input', step: -1, parents: {} };

function deeplyNested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { child: value };
  return value;
}

function checkpointWith(values: Record<string, unknown>): Checkpoint {
  return { ...emptyCheckpoint(), id: uuid6(-1), channel_values: values, channel_versions: Object.fromEntries(Object.keys(values).map((k) => [k, 1])) };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected the call to fail'),
    (error: unknown) => error,
  );
}

describeEachDatabase('hostile values', (db) => {
  let saver: AgentStateSaver;
  let userId: string;
  let root: string;

  beforeAll(async () => {
    saver = testSaver(db());
    userId = unique('test-');
    const first = checkpointWith({ v: 'root' });
    await saver.put(configFor('t', userId), first, META, { v: 1 });
    root = first.id;
  });

  it('a channel value nested 100,000 levels: StateNotSerializableError (as the service says for the same value), nothing written', async () => {
    const deep = deeplyNested(100_000);
    const service = createStatePersistence({ prisma: db().prisma, environment: 'test', logger: silentLogger });
    await expect(service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: deep })).rejects.toMatchObject({ code: 'STATE_NOT_SERIALIZABLE' });
    const before = await countAllRows(db().prisma);
    for (const [what, call] of [
      ['put channel value', () => saver.put(configFor('t', userId, { checkpoint_id: root }), checkpointWith({ v: deep }), META, { v: 2 })],
      ['put metadata', () => saver.put(configFor('t', userId, { checkpoint_id: root }), checkpointWith({ v: 'x' }), { ...META, deep } as CheckpointMetadata, { v: 2 })],
      ['putWrites value', () => saver.putWrites(configFor('t', userId, { checkpoint_id: root }), [['v', deep]], 'task-1')],
    ] as const) {
      const error = await failure(call());
      expect([what, error]).toEqual([what, expect.any(StateNotSerializableError)]);
      expect(error).toMatchObject({ code: 'STATE_NOT_SERIALIZABLE', retryable: false });
    }
    expect(await countAllRows(db().prisma)).toEqual(before);
  });

  for (const [kind, bad] of [
    ['NUL', 'a\u0000b'],
    ['lone surrogate', 'a\ud800b'],
  ] as const) {
    it(`a ${kind} in checkpoint_ns, checkpoint.id, checkpoint_id, taskId, task path or a channel name: InvalidInputError, nothing written`, async () => {
      const parent = { checkpoint_id: root };
      const fresh = () => checkpointWith({ v: 'x' });
      const cases: Array<[string, () => Promise<unknown>]> = [
        ['put checkpoint_ns', () => saver.put(configFor('t', userId, { checkpoint_ns: bad }), fresh(), META, { v: 2 })],
        ['put checkpoint.id', () => saver.put(configFor('t', userId, parent), { ...fresh(), id: bad }, META, { v: 2 })],
        ['put parent checkpoint_id', () => saver.put(configFor('t', userId, { checkpoint_id: bad }), fresh(), META, { v: 2 })],
        ['put channel name in newVersions', () => saver.put(configFor('t', userId, parent), checkpointWith({ [bad]: 'x' }), META, { [bad]: 2 })],
        ['put channel name in channel_versions only', () => saver.put(configFor('t', userId, parent), { ...fresh(), channel_versions: { v: 2, [bad]: 1 } }, META, { v: 2 })],
        ['put channel version', () => saver.put(configFor('t', userId, parent), fresh(), META, { v: bad })],
        ['putWrites taskId', () => saver.putWrites(configFor('t', userId, parent), [['v', 1]], bad)],
        ['putWrites task path', () => saver.putWrites(configFor('t', userId, parent), [['v', 1]], 'task-1', bad)],
        ['putWrites channel', () => saver.putWrites(configFor('t', userId, parent), [[bad, 1]], 'task-1')],
        ['putWrites checkpoint_ns', () => saver.putWrites(configFor('t', userId, { ...parent, checkpoint_ns: bad }), [['v', 1]], 'task-1')],
        ['putWrites checkpoint_id', () => saver.putWrites(configFor('t', userId, { checkpoint_id: bad }), [['v', 1]], 'task-1')],
      ];
      const before = await countAllRows(db().prisma);
      for (const [what, call] of cases) {
        const error = await failure(call());
        expect([what, error]).toEqual([what, expect.any(InvalidInputError)]);
        expect(error).toMatchObject({ code: 'INVALID_INPUT' });
      }
      expect(await countAllRows(db().prisma)).toEqual(before);
      // the same saver still writes and reads well-formed values
      await expect(saver.putWrites(configFor('t', userId, parent), [['v', 1]], 'task-ok')).resolves.toBeUndefined();
    });

    it(`a read with a ${kind} in thread_id, checkpoint_ns or checkpoint_id: InvalidInputError (a typed 4xx, not PERSISTENCE_FAILED)`, async () => {
      const reads: Array<[string, () => Promise<unknown>]> = [
        ['getTuple thread_id', () => saver.getTuple(configFor(bad, userId))],
        ['getTuple checkpoint_ns', () => saver.getTuple(configFor('t', userId, { checkpoint_ns: bad }))],
        ['getTuple checkpoint_id', () => saver.getTuple(configFor('t', userId, { checkpoint_id: bad }))],
        ['list thread_id', () => collect(saver.list(configFor(bad, userId)))],
        ['list checkpoint_ns', () => collect(saver.list(configFor('t', userId, { checkpoint_ns: bad })))],
        ['list checkpoint_id', () => collect(saver.list(configFor('t', userId, { checkpoint_id: bad })))],
        ['list before', () => collect(saver.list(configFor('t', userId), { before: { configurable: { checkpoint_id: bad } } }))],
      ];
      for (const [what, call] of reads) {
        const error = await failure(call());
        expect([what, error]).toEqual([what, expect.any(InvalidInputError)]);
        expect(error).toMatchObject({ code: 'INVALID_INPUT' });
      }
      // well-formed reads of the same thread still answer
      expect((await saver.getTuple(configFor('t', userId)))?.checkpoint.id).toBe(root);
    });
  }
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

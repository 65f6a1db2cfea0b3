/**
 * Group commit of steady puts (PostgreSQL through db.sql): concurrent puts
 * share one statement and commit, each answered after it; a put that cannot
 * be written is answered "not written" (the write path then gives it its own
 * ensure path or typed error) while the others commit; a failing statement is
 * retried put by put.
 */
import { describePostgres } from '@agentstate/db/testing';
import type { Prisma } from '@agentstate/db';
import { UnknownUserError, viaDriver, type Queryable } from '@agentstate/write-path';
import { emptyCheckpoint, uuid6, type Checkpoint, type CheckpointMetadata } from '@langchain/langgraph-checkpoint';
import { CheckpointBatcher } from './checkpointBatcher';
import type { CheckpointWrite } from './statements';
import { configFor, testSaver, unique } from './testing';

const META: CheckpointMetadata = { source: 'loop', step: 0, parents: {} };

/** Counts the statements that reach the database. */
function counting(db: Queryable) {
  const texts: string[] = [];
  return {
    texts,
    db: { rows: <T>(statement: Prisma.Sql) => (texts.push(statement.text), db.rows<T>(statement)) } as Queryable,
  };
}

function write(userId: string, threadId: string, value: string, checkpointId = uuid6(-1)): CheckpointWrite {
  return {
    userId,
    threadId,
    checkpointNs: '',
    checkpointId,
    parentCheckpointId: null,
    checkpointJson: JSON.stringify({ v: 4, id: checkpointId, ts: '', channel_versions: { v: `1.${value}` }, versions_seen: {} }),
    metadataType: 'json',
    metadata: new TextEncoder().encode('{"source":"loop"}'),
    metadataFilterJson: '{"source":"loop"}',
    blobs: [
      { channel: 'v', version: `1.${value}`, type: 'json', blob: new TextEncoder().encode(JSON.stringify(value)) },
      { channel: 'gone', version: `1.${value}`, type: 'empty', blob: null },
    ],
  };
}

describePostgres('CheckpointBatcher (group commit)', (db) => {
  async function userWithThreads(threads: string[]): Promise<string> {
    const userId = unique('acct-');
    await db().prisma.user.create({ data: { id: userId, email: `${userId}@company.example`, threads: { create: threads.map((id) => ({ id })) } } });
    return userId;
  }

  it('sends puts that arrive while a statement runs as one statement; every put is written with its own values', async () => {
    const userId = await userWithThreads(['a', 'b', 'c']);
    const { db: counted, texts } = counting(viaDriver(db().sql!));
    const batcher = new CheckpointBatcher(counted, { maxInFlight: 1 });
    const writes = ['a', 'b', 'c', 'a', 'b'].map((thread, i) => write(userId, thread, `value-${i}`));
    const first = batcher.insert(writes[0]!);
    await new Promise((resolve) => setImmediate(resolve)); // the first is sent (and cannot have been answered yet)
    const results = await Promise.all([first, ...writes.slice(1).map((w) => batcher.insert(w))]);
    expect(results.every((r) => r.written && r.ensured === null)).toBe(true);
    expect(texts).toHaveLength(2); // the first alone, the four that queued behind it together
    const saver = testSaver(db());
    for (const [i, w] of writes.entries()) {
      const tuple = await saver.getTuple(configFor(w.threadId, userId, { checkpoint_id: w.checkpointId }));
      expect(tuple?.checkpoint.channel_values).toEqual({ v: `value-${i}` });
    }
    expect(await db().prisma.agentCheckpointBlob.count({ where: { userId } })).toBe(10);
  });

  it('a put whose thread or user is missing fails its batch; each put is then written alone: the others commit, the missing ones get the foreign key error', async () => {
    const userId = await userWithThreads(['a']);
    const { db: counted, texts } = counting(viaDriver(db().sql!));
    const batcher = new CheckpointBatcher(counted, { maxInFlight: 1 });
    const results = await Promise.allSettled([write(userId, 'a', 'first'), write(userId, 'a', 'x'), write(userId, 'missing', 'y'), write(unique('acct-'), 'a', 'z')].map((w) => batcher.insert(w)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.written : (r.reason as { code?: string }).code))).toEqual([true, true, '23503', '23503']);
    expect(texts).toHaveLength(1 + 4); // the four puts of one tick in one statement, which fails, then each put alone
    expect(await db().prisma.agentCheckpoint.count({ where: { userId } })).toBe(2);
  });

  it('retries put by put when the batch statement fails (two puts of one checkpoint id): both answered, the last one stays', async () => {
    const userId = await userWithThreads(['a']);
    const { db: counted, texts } = counting(viaDriver(db().sql!));
    const batcher = new CheckpointBatcher(counted, { maxInFlight: 1 });
    const id = uuid6(-1);
    const results = await Promise.all([write(userId, 'a', 'first'), write(userId, 'a', 'one', id), write(userId, 'a', 'two', id)].map((w) => batcher.insert(w)));
    expect(results.map((r) => r.written)).toEqual([true, true, true]);
    expect(texts).toHaveLength(1 + 3); // the three puts of one tick in one statement, which fails, then each put alone
    const tuple = await testSaver(db()).getTuple(configFor('a', userId, { checkpoint_id: id }));
    expect(tuple?.checkpoint.channel_values).toEqual({ v: 'two' });
  });

  it('sends large puts alone, at once', async () => {
    const userId = await userWithThreads(['a']);
    const { db: counted, texts } = counting(viaDriver(db().sql!));
    const batcher = new CheckpointBatcher(counted, { maxInFlight: 1, maxRowBytes: 10 });
    await Promise.all([write(userId, 'a', 'one'), write(userId, 'a', 'two'), write(userId, 'a', 'three')].map((w) => batcher.insert(w)));
    expect(texts).toHaveLength(3);
  });

  it('through the saver: many concurrent puts commit; a put whose user vanished gets the ensure path and its own typed error, the others commit', async () => {
    const { prisma } = db();
    const userId = await userWithThreads(['t0', 't1', 't2']);
    const leaving = await userWithThreads(['t0']);
    const saver = testSaver(db(), { environment: 'production' });
    const cp = (value: number): Checkpoint => ({ ...emptyCheckpoint(), id: uuid6(-1), channel_values: { n: value }, channel_versions: { n: `${value}` } });
    // the saver learns that the users and threads exist (later puts take the fast path, batched)
    for (let t = 0; t < 3; t++) await saver.put(configFor(`t${t}`, userId), cp(t), META, { n: `${t}` });
    await saver.put(configFor('t0', leaving), cp(9), META, { n: '9' });
    const many = Array.from({ length: 40 }, (_, i) => cp(100 + i));
    await Promise.all(many.map((c, i) => saver.put(configFor(`t${i % 3}`, userId), c, META, c.channel_versions)));
    expect(await prisma.agentCheckpoint.count({ where: { userId } })).toBe(43);
    // `leaving` is deleted behind the saver's back: its put misses on the fast path and the ensure path answers (production: no auto-create)
    await prisma.user.delete({ where: { id: leaving } });
    const results = await Promise.allSettled([
      ...[0, 1, 2].map((t) => saver.put(configFor(`t${t}`, userId), cp(200 + t), META, { n: `${200 + t}` })),
      saver.put(configFor('t0', leaving), cp(300), META, { n: '300' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(UnknownUserError);
    expect(await prisma.agentCheckpoint.count({ where: { userId } })).toBe(46);
    expect(await prisma.agentCheckpoint.count({ where: { userId: leaving } })).toBe(0);
  });
});

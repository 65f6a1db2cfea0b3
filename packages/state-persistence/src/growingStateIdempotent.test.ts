/**
 * Idempotent saves (caller-chosen id) of large states: stored as a layout over
 * the thread's elements (docs/concepts/growing-state.md), and a retry is a
 * replay that appends no element, a different save under the id a conflict
 * that writes nothing (docs/concepts/exactly-once.md).
 */
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@agentstate/db';
import { countAllRows, describeEachDatabase, describePostgres, pick, randomInt, seededRandom } from '@agentstate/db/testing';
import { createMemoryLogger } from '@agentstate/logger';
import { IdempotencyConflictError } from './errors';
import { createStatePersistence, type StatePersistence } from './service';
import { unique } from './testing/fixtures';
import type { SaveSnapshotInput, SaveSnapshotResult } from './types';

type Db = ReturnType<Parameters<Parameters<typeof describeEachDatabase>[1]>[0]>;

function serviceWith(db: Db, growingState: { cacheThreads?: number; minBytes?: number } | false = {}, extra: { groupCommit?: false } = {}): StatePersistence {
  const { logger } = createMemoryLogger({ level: 'warn' });
  return createStatePersistence({ prisma: db.prisma, ...(db.sql ? { sql: db.sql } : {}), environment: 'development', logger, growingState, ...extra });
}

function savedOf<S>(result: SaveSnapshotResult<S>) {
  if (result.status !== 'saved') throw new Error(`expected saved, got ${result.status}`);
  return result;
}

/** A chat state of `n` messages of about 1 KB: large enough to be stored as a layout. */
function chat(n: number, tag = 'm'): { step: number; messages: Array<{ role: string; content: string }> } {
  return { step: n, messages: Array.from({ length: n }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `${tag}${i} ${'word '.repeat(200)}` })) };
}

/** Everything a save could have written for the user: every table's row count, and the element logs' seqs and epochs. */
async function footprint(prisma: PrismaClient, userId: string) {
  const logs = await prisma.$queryRaw<Array<{ thread_id: string; last_seq: string; epoch: string }>>`
    SELECT thread_id, last_seq::text, epoch::text FROM agent_state_element_logs WHERE user_id = ${userId} ORDER BY thread_id`;
  return { rows: await countAllRows(prisma), logs };
}

async function layoutOf(prisma: PrismaClient, id: string): Promise<boolean> {
  const [row] = await prisma.$queryRaw<Array<{ layout: boolean }>>`SELECT layout IS NOT NULL AS layout FROM agent_state_snapshots WHERE id = ${id}::uuid`;
  return row?.layout ?? false;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (e: unknown) => e,
  );
}

describeEachDatabase('idempotent saves of large states (layout storage)', (db) => {
  it('a retry is a replay: same snapshot, no snapshot row, no element appended (fast path, fresh instance, no cache)', async () => {
    const { prisma } = db();
    const service = serviceWith(db());
    const userId = unique('dev-temp-');
    savedOf(await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: chat(10) })); // user and thread known: the fast path
    const id = randomUUID();
    const input = { id, userId, threadId: 't', runId: 'r', state: chat(11), metadata: { k: 'v' } };
    const first = savedOf(await service.saveSnapshot(input));
    expect(first).toMatchObject({ replayed: false, snapshot: { id } });
    expect(await layoutOf(prisma, id)).toBe(true);
    const before = await footprint(prisma, userId);
    // the same instance (fast path), a fresh one (ensure path, empty cache), one without a cache
    for (const retrying of [service, serviceWith(db()), serviceWith(db(), { cacheThreads: 0 })]) {
      const again = savedOf(await retrying.saveSnapshot(input));
      expect(again).toMatchObject({ replayed: true, provisioning: null, snapshot: { id, state: input.state } });
      expect(again.snapshot.createdAt.toISOString()).toBe(first.snapshot.createdAt.toISOString());
      expect(await footprint(prisma, userId)).toEqual(before);
    }
    expect((await service.getLatest({ userId, threadId: 't' }))?.state).toEqual(input.state);
    // a state saved whole under an id (growing state off) is replayed by a layout-capable instance: the digest is of the state as sent
    const wholeId = randomUUID();
    const whole = { ...input, id: wholeId, state: chat(12) };
    savedOf(await serviceWith(db(), false).saveSnapshot(whole));
    expect(await layoutOf(prisma, wholeId)).toBe(false);
    const beforeWhole = await footprint(prisma, userId);
    expect(await service.saveSnapshot(whole)).toMatchObject({ replayed: true, snapshot: { id: wholeId } });
    expect(await footprint(prisma, userId)).toEqual(beforeWhole);
  });

  it('the same id with other content, or for another thread or user, is a conflict that writes nothing and reveals nothing', async () => {
    const { prisma } = db();
    const service = serviceWith(db());
    const owner = unique('dev-temp-');
    const id = randomUUID();
    const secret = chat(12, 'owner-only');
    savedOf(await service.saveSnapshot({ userId: owner, threadId: 't', runId: 'r', state: chat(11, 'owner-only') }));
    savedOf(await service.saveSnapshot({ id, userId: owner, threadId: 't', runId: 'r', state: secret }));
    expect(await layoutOf(prisma, id)).toBe(true);
    const stranger = unique('dev-temp-');
    const before = await footprint(prisma, owner);
    const attempts: Array<SaveSnapshotInput<unknown>> = [
      { id, userId: owner, threadId: 't', runId: 'r', state: chat(13, 'owner-only') }, // a later step under the same id
      { id, userId: owner, threadId: 't', runId: 'r', state: { ...secret, step: 99 } },
      { id, userId: owner, threadId: 'other', runId: 'r', state: secret },
      { id, userId: stranger, threadId: 't', runId: 'r', state: secret },
      { id, userId: stranger, threadId: 't', runId: 'r', state: chat(12, 'guess') },
    ];
    for (const input of attempts) {
      for (const retrying of [service, serviceWith(db()), serviceWith(db(), { cacheThreads: 0 })]) {
        const error = await failure(retrying.saveSnapshot(input));
        expect(error).toBeInstanceOf(IdempotencyConflictError);
        expect(error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', id });
        expect((error as Error).message).not.toMatch(/owner-only|dev-temp|word/);
      }
    }
    expect(await footprint(prisma, owner)).toEqual(before);
    expect(await prisma.user.count({ where: { id: stranger } })).toBe(0);
  });

  it('a stale element cache with an id: the refused statement is planned afresh and stored once', async () => {
    const { prisma } = db();
    const [a, b] = [serviceWith(db()), serviceWith(db())];
    const userId = unique('dev-temp-');
    savedOf(await a.saveSnapshot({ userId, threadId: 't', runId: 'r', state: chat(10) })); // a's cache knows the thread
    savedOf(await b.saveSnapshot({ userId, threadId: 't', runId: 'r', state: chat(11) })); // b moves its last seq: a's view is stale
    const id = randomUUID();
    const input = { id, userId, threadId: 't', runId: 'r', state: chat(12) };
    const saved = savedOf(await a.saveSnapshot(input));
    expect(saved).toMatchObject({ replayed: false, snapshot: { id } });
    expect(await layoutOf(prisma, id)).toBe(true);
    const before = await footprint(prisma, userId);
    expect(await b.saveSnapshot(input)).toMatchObject({ replayed: true });
    expect(await footprint(prisma, userId)).toEqual(before);
    expect((await b.getSnapshot({ userId, id })).state).toEqual(input.state);
    expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(3);
  });

  it('seeded run, every save with an id, some retried, through three instances: every read equals a full-state reference', async () => {
    const { prisma } = db();
    const random = seededRandom(20261208);
    const instances = [serviceWith(db(), { minBytes: 0 }), serviceWith(db(), { minBytes: 4096 }), serviceWith(db(), { cacheThreads: 0, minBytes: 0 })];
    const userId = unique('dev-temp-');
    const threads = ['a', 'b'];
    const reference = new Map<string, { threadId: string; parentId: string | null; state: unknown; order: number }>();
    let order = 0;
    let retries = 0;
    const latestOf = (threadId: string) => [...reference.entries()].filter(([, s]) => s.threadId === threadId).sort(([, x], [, y]) => y.order - x.order)[0];
    const message = (n: number) => ({ role: pick(random, ['user', 'assistant', 'tool'] as const), content: `turn ${n}: ${'lorem "ipsum" é ✓ '.repeat(randomInt(random, 10, 80))}`, n });
    for (let step = 0; step < 80; step++) {
      const threadId = pick(random, threads);
      const latest = latestOf(threadId);
      // a copy (jest's realm makes structuredClone's objects fail the plain-object check)
      const clone = (state: unknown) => { const s = state as { step: number; messages: Array<Record<string, unknown>> }; return { ...s, messages: [...s.messages] }; };
      const base = latest ? clone(latest[1].state) : { step: 0, messages: [] as Array<Record<string, unknown>> };
      base.step = step;
      const r = random();
      let parent: { parentId?: string; expectedParentId?: string | null } = {};
      if (r < 0.5 || !latest) {
        base.messages.push(message(step));
        if (random() < 0.5) parent = { expectedParentId: latest?.[0] ?? null };
      } else if (r < 0.75) {
        const i = randomInt(random, 0, base.messages.length - 1);
        base.messages[i] = { ...base.messages[i], status: 'done', content: `rewritten ${step}` };
        parent = { parentId: latest[0] };
      } else {
        const earlier = [...reference.entries()].filter(([, s]) => s.threadId === threadId);
        const [fromId, from] = pick(random, earlier);
        const forked = clone(from.state);
        forked.step = step;
        forked.messages.push(message(step));
        Object.assign(base, forked);
        parent = { parentId: fromId };
      }
      const id = randomUUID();
      const input = { id, userId, threadId, runId: `r-${threadId}`, state: base, ...parent };
      const first = savedOf(await pick(random, instances).saveSnapshot(input));
      expect(first).toMatchObject({ replayed: false, snapshot: { id } });
      reference.set(id, { threadId, parentId: first.snapshot.parentId, state: base, order: order++ });
      if (random() < 0.35) {
        // a retry after a lost reply, perhaps through another instance: a replay that writes nothing
        retries++;
        const before = await footprint(prisma, userId);
        expect(await pick(random, instances).saveSnapshot(input)).toMatchObject({ replayed: true, snapshot: { id } });
        expect(await footprint(prisma, userId)).toEqual(before);
      }
      const reader = pick(random, instances);
      expect((await reader.getSnapshot({ userId, id })).state).toEqual(base);
      expect((await reader.getLatest({ userId, threadId }))?.id).toBe(latestOf(threadId)?.[0]);
    }
    expect(retries).toBeGreaterThan(10);
    const [layouts] = await prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM agent_state_snapshots WHERE user_id = ${userId} AND layout IS NOT NULL`;
    expect(layouts?.n).toBeGreaterThan(40);
    const reader = instances[0]!;
    for (const [id, s] of reference) expect(await reader.getSnapshot({ userId, id })).toMatchObject({ id, parentId: s.parentId, threadId: s.threadId, state: s.state });
    for (const threadId of threads) {
      const [latestId] = latestOf(threadId) ?? [];
      if (!latestId) continue;
      const chain: string[] = [];
      for (let at: string | null = latestId; at; at = reference.get(at)?.parentId ?? null) chain.push(at);
      expect((await reader.getLineage({ userId, id: latestId })).map((s) => s.id)).toEqual(chain);
    }
    expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(reference.size);
  }, 600_000);
});

describePostgres('idempotent saves of large states: races and storage', (db) => {
  it('one id from 8 instances at once: one snapshot, 7 replays, the elements of one save', async () => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    const seed = serviceWith(db());
    savedOf(await seed.saveSnapshot({ userId, threadId: 't', runId: 'r', state: chat(10) }));
    const [{ n: elementsBefore } = { n: 0 }] = await prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM agent_state_elements WHERE user_id = ${userId}`;
    const input = { id: randomUUID(), userId, threadId: 't', runId: 'r', state: chat(11) };
    const services = Array.from({ length: 8 }, () => serviceWith(db()));
    const results = await Promise.all(services.map((service) => service.saveSnapshot(input).then(savedOf)));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(2);
    const [{ n: elementsAfter } = { n: 0 }] = await prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM agent_state_elements WHERE user_id = ${userId}`;
    // fresh instances store their first large save of a thread with every element fresh: one save's worth, not eight
    expect(elementsAfter - elementsBefore).toBeLessThanOrEqual(11);
    expect(elementsAfter - elementsBefore).toBeGreaterThan(0);
    expect((await seed.getLatest({ userId, threadId: 't' }))?.state).toEqual(input.state);
  });

  it('a 200-save chat with an id on every save (a third of them retried) stores at most 3x its final state, one statement per attempt', async () => {
    let statements = 0;
    const sql = db().sql!;
    const counting = { ...sql, query: ((...args: Parameters<typeof sql.query>) => (statements++, sql.query(...args))) as typeof sql.query };
    const { logger } = createMemoryLogger({ level: 'warn' });
    const service = createStatePersistence({ prisma: db().prisma, sql: counting, environment: 'development', logger, groupCommit: false });
    const userId = unique('dev-temp-costs-');
    const size = async () => {
      const [row] = await db().prisma.$queryRaw<Array<{ bytes: bigint }>>`
        SELECT (pg_total_relation_size('agent_state_snapshots') + pg_total_relation_size('agent_state_elements') + pg_total_relation_size('agent_state_element_logs'))::int8 AS bytes`;
      return Number(row?.bytes);
    };
    await service.saveSnapshot({ id: randomUUID(), userId, threadId: 't', runId: 'r', state: { messages: [] } });
    const before = await size();
    const random = seededRandom(200);
    // text that compresses about as well as real conversation (as in growingState.test.ts)
    const words = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 36 ** 5).toString(36)).join(' ');
    const state = { step: 0, status: 'running', messages: [] as Array<Record<string, unknown>> };
    let finalJson = '';
    let replays = 0;
    for (let i = 0; i < 200; i++) {
      state.step = i;
      state.status = random() < 0.5 ? 'running' : 'waiting';
      state.messages = [...state.messages, { role: i % 2 ? 'assistant' : 'user', content: `message ${i}: ${words(170)}`, at: i }];
      const input = { id: randomUUID(), userId, threadId: 't', runId: 'r', state };
      const start = statements;
      expect(savedOf(await service.saveSnapshot(input)).replayed).toBe(false);
      expect(statements - start).toBe(1);
      if (i % 3 === 0) {
        const again = statements;
        expect(savedOf(await service.saveSnapshot(input)).replayed).toBe(true);
        expect(statements - again).toBe(1);
        replays++;
      }
      finalJson = JSON.stringify(state);
    }
    expect(replays).toBe(67);
    const ratio = ((await size()) - before) / Buffer.byteLength(finalJson);
    expect(ratio).toBeLessThanOrEqual(3);
    expect(ratio).toBeGreaterThan(0.5); // the measure sees the data
    const [layouts] = await db().prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM agent_state_snapshots WHERE user_id = ${userId} AND layout IS NOT NULL`;
    expect(layouts?.n).toBeGreaterThan(150);
    expect((await service.getLatest({ userId, threadId: 't' }))?.state).toEqual(state);
  }, 300_000);
});

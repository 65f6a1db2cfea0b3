/**
 * Growing-state storage (docs/concepts/growing-state.md) against a reference
 * that keeps full states in memory.
 *
 * A seeded sequence of operations on a few threads: appends, edits of earlier
 * messages, compaction, deleted keys, reordered arrays, type changes,
 * Date/BigInt/Map/Set values, forks from earlier snapshots (parentId),
 * expectedParentId saves, concurrent saves through several service instances
 * (each with its own element cache, one with none, so caches go stale and
 * statements get refused), pruneSnapshots, deleteThread and deleteUserData.
 * After every operation the touched thread's getLatest and the snapshots
 * just written must equal the reference; every few operations, every
 * snapshot through getSnapshot, listSnapshots pages and getLineage.
 */
import { describeEachDatabase, describePostgres, pick, randomInt, seededRandom } from '@agentstate/db/testing';
import { createMemoryLogger } from '@agentstate/logger';
import { createStatePersistence, type StatePersistence } from './service';
import type { Snapshot } from './types';

const SEED = 20261207;
const OPERATIONS = 160;
const THREADS = ['a', 'b', 'c'] as const;

interface RefSnapshot {
  id: string;
  threadId: string;
  runId: string;
  parentId: string | null;
  state: ChatState;
  order: number;
}

interface ChatState {
  turn: number;
  title: string | number;
  messages: Array<Record<string, unknown>>;
  notes?: unknown;
  [key: string]: unknown;
}

function makeMessage(random: () => number, n: number): Record<string, unknown> {
  const size = randomInt(random, 200, 1500);
  const message: Record<string, unknown> = { id: `m${n}`, role: pick(random, ['user', 'assistant', 'tool'] as const), content: `turn ${n}: ${'lorem ipsum "quoted" \\ é ✓ '.repeat(Math.ceil(size / 28)).slice(0, size)}` };
  const r = random();
  if (r < 0.1) message.at = new Date(1_700_000_000_000 + n * 1000);
  else if (r < 0.15) message.tokens = BigInt(n) * 10_000_000_000n;
  else if (r < 0.2) message.tags = new Set(['a', `t${n}`]);
  else if (r < 0.25) message.scores = new Map<unknown, unknown>([['k', n], [n, [1, 2]]]);
  return message;
}

function serviceWith(db: ReturnType<Parameters<Parameters<typeof describeEachDatabase>[1]>[0]>, growingState: { cacheThreads?: number; minBytes?: number } | false) {
  const { logger } = createMemoryLogger({ level: 'warn' });
  return createStatePersistence({ prisma: db.prisma, ...(db.sql ? { sql: db.sql } : {}), environment: 'development', logger, growingState });
}

describeEachDatabase('growing-state storage equals a full-state reference', (db) => {
  it(`${OPERATIONS} seeded operations: every read equals the reference`, async () => {
    const random = seededRandom(SEED);
    // Different thresholds, so one thread mixes whole and layout rows; the last instance remembers nothing.
    const instances: StatePersistence[] = [serviceWith(db(), { minBytes: 0 }), serviceWith(db(), { minBytes: 4096 }), serviceWith(db(), { cacheThreads: 0, minBytes: 0 })];
    const userId = `dev-temp-growing-${db().kind}`;
    let reference = new Map<string, RefSnapshot>();
    let order = 0;
    let messageNo = 0;

    const latestOf = (threadId: string) => [...reference.values()].filter((s) => s.threadId === threadId).sort((x, y) => y.order - x.order)[0];
    const clone = (state: ChatState): ChatState => ({ ...state, messages: [...state.messages] });

    async function save(service: StatePersistence, threadId: string, state: ChatState, parent: { parentId?: string | null; expectedParentId?: string | null }) {
      const result = await service.saveSnapshot({ userId, threadId, runId: `r-${threadId}`, state, ...parent });
      if (result.status !== 'saved') throw new Error('expected saved');
      const s = result.snapshot;
      reference.set(s.id, { id: s.id, threadId, runId: `r-${threadId}`, parentId: s.parentId, state, order: order++ });
      return s;
    }

    function expectSame(actual: Snapshot | null | undefined, expected: RefSnapshot | undefined, where: string) {
      if (!expected) {
        expect({ where, actual: actual ?? null }).toEqual({ where, actual: null });
        return;
      }
      expect({ where, id: actual?.id, parentId: actual?.parentId, threadId: actual?.threadId, state: actual?.state }).toEqual({
        where,
        id: expected.id,
        parentId: expected.parentId,
        threadId: expected.threadId,
        state: expected.state,
      });
    }

    let layoutsSeen = 0;
    async function checkEverything(step: number) {
      const [layouts] = await db().prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM agent_state_snapshots WHERE user_id = ${userId} AND layout IS NOT NULL`;
      layoutsSeen += layouts?.n ?? 0;
      const service = pick(random, instances);
      for (const s of reference.values()) expectSame(await service.getSnapshot({ userId, id: s.id }), s, `step ${step} getSnapshot`);
      const listed: Snapshot[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<StatePersistence['listSnapshots']>> = await service.listSnapshots({ userId, limit: 7, ...(cursor ? { cursor } : {}) });
        listed.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      const expected = [...reference.values()].sort((x, y) => y.order - x.order);
      expect(listed.map((s) => s.id)).toEqual(expected.map((s) => s.id));
      listed.forEach((s, i) => expectSame(s, expected[i], `step ${step} listSnapshots`));
      for (const threadId of THREADS) {
        const latest = latestOf(threadId);
        if (!latest) continue;
        const lineage = await service.getLineage({ userId, id: latest.id });
        const chain: RefSnapshot[] = [];
        for (let s: RefSnapshot | undefined = latest; s; s = s.parentId ? reference.get(s.parentId) : undefined) chain.push(s);
        expect(lineage.map((s) => s.id)).toEqual(chain.map((s) => s.id));
        lineage.forEach((s, i) => expectSame(s, chain[i], `step ${step} getLineage`));
      }
    }

    for (let step = 0; step < OPERATIONS; step++) {
      const threadId = pick(random, THREADS);
      const service = pick(random, instances);
      const latest = latestOf(threadId);
      const base: ChatState = latest ? clone(latest.state) : { turn: 0, title: 'chat', messages: [] };
      const r = random();
      const written: Snapshot[] = [];
      base.turn = step;
      if (r < 0.45 || !latest) {
        base.messages.push(makeMessage(random, messageNo++));
        if (random() < 0.3) base.messages.push(makeMessage(random, messageNo++));
        written.push(await save(service, threadId, base, random() < 0.5 ? {} : { expectedParentId: latest?.id ?? null }));
      } else if (r < 0.55) {
        // edit an earlier message (a status flag, rewritten content)
        if (base.messages.length > 0) {
          const i = randomInt(random, 0, base.messages.length - 1);
          base.messages[i] = { ...base.messages[i], status: random() < 0.5 ? 'done' : { code: step }, content: `rewritten ${step}` };
        }
        written.push(await save(service, threadId, base, { parentId: latest.id }));
      } else if (r < 0.6) {
        base.messages = [{ role: 'system', content: `summary at ${step}` }];
        written.push(await save(service, threadId, base, { parentId: latest.id }));
      } else if (r < 0.66) {
        // reorder, delete a key, change a type
        if (base.messages.length > 1) base.messages.reverse();
        delete base.notes;
        base.title = random() < 0.5 ? step : `title ${step}`;
        if (random() < 0.5) base.notes = { big: base.messages.slice(0, 6) };
        written.push(await save(service, threadId, base, {}));
      } else if (r < 0.76) {
        // fork from an earlier snapshot of the thread
        const earlier = [...reference.values()].filter((s) => s.threadId === threadId);
        const from = pick(random, earlier);
        const forked = clone(from.state);
        forked.turn = step;
        forked.messages.push(makeMessage(random, messageNo++));
        written.push(await save(service, threadId, forked, { parentId: from.id }));
      } else if (r < 0.84) {
        // concurrent writers on one thread, through different instances
        const states = [0, 1, 2].map(() => {
          const s = clone(base);
          s.messages.push(makeMessage(random, messageNo++));
          return s;
        });
        const concurrent = await Promise.all(states.map((s, i) => save(instances[i] as StatePersistence, threadId, s, { parentId: latest.id })));
        written.push(...concurrent);
        // Their order is the database's (seq), not the order the promises settled in.
        const ids = concurrent.map((s) => s.id);
        const ordered = await db().prisma.$queryRaw<Array<{ id: string }>>`SELECT id::text AS id FROM agent_state_snapshots WHERE id = ANY(${ids}::uuid[]) ORDER BY seq`;
        const orders = ids.map((id) => (reference.get(id) as RefSnapshot).order).sort((x, y) => x - y);
        ordered.forEach((row, i) => ((reference.get(row.id) as RefSnapshot).order = orders[i] as number));
      } else if (r < 0.92) {
        const keepLast = randomInt(random, 1, 4);
        const all = random() < 0.3;
        await service.pruneSnapshots(all ? { userId, keepLast } : { userId, threadId, keepLast });
        for (const t of all ? THREADS : [threadId]) {
          const kept = new Set([...reference.values()].filter((s) => s.threadId === t).sort((x, y) => y.order - x.order).slice(0, keepLast).map((s) => s.id));
          for (const s of [...reference.values()]) if (s.threadId === t && !kept.has(s.id)) reference.delete(s.id);
        }
        for (const s of reference.values()) if (s.parentId && !reference.has(s.parentId)) s.parentId = null;
      } else if (r < 0.97) {
        await service.deleteThread({ userId, threadId });
        for (const s of [...reference.values()]) if (s.threadId === threadId) reference.delete(s.id);
      } else {
        await service.deleteUserData(userId);
        reference = new Map();
      }
      const reader = pick(random, instances);
      expectSame(await reader.getLatest({ userId, threadId }), latestOf(threadId), `step ${step} getLatest`);
      for (const s of written) expectSame(await reader.getSnapshot({ userId, id: s.id }), reference.get(s.id), `step ${step} written`);
      if (step % 20 === 19) await checkEverything(step);
    }
    await checkEverything(OPERATIONS);
    expect(layoutsSeen).toBeGreaterThan(25); // the layouts were exercised, not only whole states
    // Collection: what no kept snapshot references is gone; deleting the user leaves no element anywhere.
    await instances[0]!.pruneSnapshots({ userId, keepLast: 1 });
    const { prisma } = db();
    const [orphans] = await prisma.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM agent_state_elements e WHERE e.user_id = ${userId} AND NOT EXISTS (
        SELECT 1 FROM agent_state_snapshots s, jsonb_array_elements(s.layout) r(v)
        WHERE s.user_id = e.user_id AND s.thread_id = e.thread_id AND jsonb_typeof(r.v) = 'array' AND e.seq BETWEEN (r.v->>0)::int8 AND (r.v->>1)::int8)`;
    expect(orphans?.n).toBe(0);
    await instances[1]!.deleteUserData(userId);
    const [left] = await prisma.$queryRaw<Array<{ n: number }>>`
      SELECT ((SELECT count(*) FROM agent_state_elements WHERE user_id = ${userId}) + (SELECT count(*) FROM agent_state_element_logs WHERE user_id = ${userId}))::int AS n`;
    expect(left?.n).toBe(0);
  }, 600_000);

  it('agent_state_snapshot_state (the SQL function for hand-written queries) returns the same state as the service', async () => {
    const service = serviceWith(db(), {});
    const userId = `dev-temp-sqlfn-${db().kind}`;
    const random = seededRandom(7);
    const messages: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 30; i++) {
      messages.push({ role: 'user', content: `${i} ${'x'.repeat(600)}`, n: i });
      await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { messages: [...messages], seed: random() } });
    }
    const rows = await db().prisma.$queryRaw<Array<{ id: string; state: unknown; layout: unknown }>>`
      SELECT id::text AS id, agent_state_snapshot_state(user_id, thread_id, state, layout) AS state, layout FROM agent_state_snapshots WHERE user_id = ${userId}`;
    expect(rows.filter((r) => r.layout !== null).length).toBeGreaterThan(15);
    for (const row of rows) expect(row.state).toEqual((await service.getSnapshot({ userId, id: row.id })).state);
  }, 120_000);
});

describePostgres('growing-state storage costs', (db) => {
  it('a 200-save chat stores at most 3x its final state (every table, TOAST and indexes), one statement per save', async () => {
    let statements = 0;
    const sql = db().sql!;
    const counting = { ...sql, query: ((...args: Parameters<typeof sql.query>) => (statements++, sql.query(...args))) as typeof sql.query };
    const { logger } = createMemoryLogger({ level: 'warn' });
    const service = createStatePersistence({ prisma: db().prisma, sql: counting, environment: 'development', logger, groupCommit: false });
    const userId = 'dev-temp-costs';
    const size = async () => {
      const [row] = await db().prisma.$queryRaw<Array<{ bytes: bigint }>>`
        SELECT (pg_total_relation_size('agent_state_snapshots') + pg_total_relation_size('agent_state_elements') + pg_total_relation_size('agent_state_element_logs'))::int8 AS bytes`;
      return Number(row?.bytes);
    };
    // The first save creates the user and thread (the ensure path); count steady saves.
    await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { messages: [] } });
    const before = await size();
    const random = seededRandom(200);
    // text that compresses about as well as real conversation (repetitive filler would flatter full rows)
    const words = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 36 ** 5).toString(36)).join(' ');
    const state = { step: 0, status: 'running', messages: [] as Array<Record<string, unknown>> };
    let finalJson = '';
    for (let i = 0; i < 200; i++) {
      state.step = i;
      state.status = random() < 0.5 ? 'running' : 'waiting';
      state.messages = [...state.messages, { role: i % 2 ? 'assistant' : 'user', content: `message ${i}: ${words(170)}`, at: i }];
      const start = statements;
      await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state });
      expect(statements - start).toBe(1);
      finalJson = JSON.stringify(state);
    }
    const stored = (await size()) - before;
    const ratio = stored / Buffer.byteLength(finalJson);
    expect(ratio).toBeLessThanOrEqual(3);
    expect(ratio).toBeGreaterThan(0.5); // the measure sees the data
    // The same with growing-state storage off stores far more (the check can fail).
    const whole = createStatePersistence({ prisma: db().prisma, sql, environment: 'development', logger, groupCommit: false, growingState: false });
    const wholeBefore = await size();
    for (let i = 0; i < 200; i++) await whole.saveSnapshot({ userId, threadId: 'whole', runId: 'r', state: { ...state, messages: state.messages.slice(0, i + 1) } });
    expect(((await size()) - wholeBefore) / Buffer.byteLength(finalJson)).toBeGreaterThan(10);
    expect((await service.getLatest({ userId, threadId: 't' }))?.state).toEqual(state);
  }, 300_000);
});

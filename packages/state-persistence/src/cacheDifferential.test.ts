/**
 * Differential test: the known-reference cache is an optimisation only.
 *
 * Two worlds get the same seeded, random sequence of operations: saves (plain,
 * with a parent, with expectedParentId, ephemeral), deleteThread,
 * deleteUserData, pruneSnapshots, and deletes/inserts made with raw SQL on a
 * separate connection (another process). In the cached world the operations
 * go to two service instances with the default cache, so each regularly holds
 * stale memories of rows the other instance or the raw SQL deleted. In the
 * reference world every operation goes to one service with no cache at all.
 * After every operation the outcome (saved / skipped / which typed error and
 * its message, provisioning reported, what delete calls returned) and the
 * whole content of every table (users, threads, snapshots with their lineage,
 * audit rows) must be identical.
 */
import { randomUUID } from 'node:crypto';
import { runAdminStatement, type DatabaseClient } from '@agentstate/db';
import { createTestPglite, createTestPostgres, describeEachDatabase, pick, seededRandom, type TestDatabase } from '@agentstate/db/testing';
import { createMemoryLogger } from '@agentstate/logger';
import { createStatePersistence, type StatePersistence } from './service';

const SEED = 20261128;
const OPERATIONS = 400;
const USERS = ['dev-temp-d1', 'dev-temp-d2', 'test-t3', 'acct_p4', 'acct_p5'] as const;
const EXISTING_USER = 'acct_p4'; // created up front; deleted and re-created by "another process"
const THREADS = ['a', 'b', 'c'] as const;

type Operation =
  | { kind: 'save'; instance: 0 | 1; userId: string; threadId: string; runId: string; parent: 'none' | 'latest' | 'expected' | 'stale' | 'expected-stale' }
  | { kind: 'deleteThread'; instance: 0 | 1; userId: string; threadId: string }
  | { kind: 'deleteUserData'; instance: 0 | 1; userId: string }
  | { kind: 'prune'; instance: 0 | 1; userId: string }
  | { kind: 'raw'; sql: string };

function generate(count: number): Operation[] {
  const random = seededRandom(SEED);
  const ops: Operation[] = [];
  for (let i = 0; i < count; i++) {
    const instance = random() < 0.5 ? 0 : 1;
    const userId = pick(random, USERS);
    const threadId = pick(random, THREADS);
    const r = random();
    if (r < 0.6) {
      const p = random();
      const parent = p < 0.5 ? 'none' : p < 0.7 ? 'latest' : p < 0.85 ? 'expected' : p < 0.93 ? 'stale' : 'expected-stale';
      ops.push({ kind: 'save', instance, userId, threadId, runId: random() < 0.05 ? 'run_ephemeral' : `r${i % 3}`, parent });
    } else if (r < 0.66) ops.push({ kind: 'deleteThread', instance, userId, threadId });
    else if (r < 0.7) ops.push({ kind: 'deleteUserData', instance, userId });
    else if (r < 0.74) ops.push({ kind: 'prune', instance, userId });
    else if (r < 0.83) ops.push({ kind: 'raw', sql: `DELETE FROM userbase WHERE id = '${userId}'` });
    else if (r < 0.9) ops.push({ kind: 'raw', sql: `DELETE FROM agent_threads WHERE user_id = '${userId}' AND id = '${threadId}'` });
    else if (r < 0.95) ops.push({ kind: 'raw', sql: `INSERT INTO userbase (id, email) VALUES ('${EXISTING_USER}', '${EXISTING_USER}@company.example') ON CONFLICT DO NOTHING` });
    else ops.push({ kind: 'raw', sql: `DELETE FROM agent_state_snapshots WHERE user_id = '${userId}' AND thread_id = '${threadId}'` });
  }
  return ops;
}

interface World {
  db: TestDatabase;
  services: StatePersistence[];
  /** snapshot id saved by operation i, per world */
  savedIds: Map<number, string>;
  /** statements sent by instance 0 on the pg pool (PostgreSQL): fast path (and how often its answer was stale), ensure path */
  statements: { fast: number; fastStale: number; ensure: number };
}

function openWorld(db: TestDatabase, cacheSize: number | undefined, instances: number): World {
  const statements = { fast: 0, fastStale: 0, ensure: 0 };
  const countingSql = db.sql && {
    query: async <Row>(text: string, values: readonly unknown[], options?: { prepare?: boolean }) => {
      const fast = text.trimStart().startsWith('INSERT INTO agent_state_snapshots');
      if (fast) statements.fast++;
      else if (text.trimStart().startsWith('WITH ensure_guard')) statements.ensure++;
      try {
        const rows = await db.sql!.query<Row>(text, values, options);
        if (fast && rows.length === 0) statements.fastStale++;
        return rows;
      } catch (error) {
        if (fast) statements.fastStale++;
        throw error;
      }
    },
  };
  const services = Array.from({ length: instances }, (_, i) =>
    createStatePersistence({
      prisma: db.prisma,
      // instance 0 saves on the pg pool (counted), instance 1 through Prisma
      ...(i === 0 && countingSql ? { sql: countingSql } : {}),
      environment: 'development',
      logger: createMemoryLogger({ level: 'error' }).logger,
      ...(cacheSize !== undefined ? { knownReferenceCacheSize: cacheSize } : {}),
    }),
  );
  return { db, services, savedIds: new Map(), statements };
}

async function latestId(db: DatabaseClient, userId: string, threadId: string): Promise<string | null> {
  const rows = await db.prisma.$queryRaw<Array<{ id: string }>>`SELECT id::text AS id FROM agent_state_snapshots WHERE user_id = ${userId} AND thread_id = ${threadId} ORDER BY seq DESC LIMIT 1`;
  return rows[0]?.id ?? null;
}

/** What an operation returned or threw, with ids replaced by the operation that created them. */
function normalize(world: World, value: unknown): unknown {
  const opOf = new Map([...world.savedIds].map(([op, id]) => [id, op]));
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) => {
      if (key === 'createdAt') return undefined;
      if (typeof v === 'string' && opOf.has(v)) return `<op ${opOf.get(v)}>`;
      if (typeof v === 'string') return v.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => (opOf.has(id) ? `<op ${opOf.get(id)}>` : '<unknown id>'));
      return v;
    }),
  );
}

async function apply(world: World, op: Operation, index: number, rawOnOtherConnection: (sql: string) => Promise<void>, instanceOverride?: number): Promise<unknown> {
  const service = world.services[instanceOverride ?? (op.kind === 'raw' ? 0 : op.instance)]!;
  try {
    switch (op.kind) {
      case 'save': {
        const latest = await latestId(world.db, op.userId, op.threadId);
        const stale = world.savedIds.get(Math.max(0, index - 7)) ?? randomUUID();
        const input = { userId: op.userId, threadId: op.threadId, runId: op.runId, state: { op: index } };
        const result =
          op.parent === 'none'
            ? await service.saveSnapshot(input)
            : op.parent === 'latest'
              ? await service.saveSnapshot({ ...input, parentId: latest })
              : op.parent === 'expected'
                ? await service.saveSnapshot({ ...input, expectedParentId: latest })
                : op.parent === 'stale'
                  ? await service.saveSnapshot({ ...input, parentId: stale })
                  : await service.saveSnapshot({ ...input, expectedParentId: stale });
        if (result.status === 'saved') world.savedIds.set(index, result.snapshot.id);
        return { result: normalize(world, result) };
      }
      case 'deleteThread':
        return { result: await service.deleteThread({ userId: op.userId, threadId: op.threadId }) };
      case 'deleteUserData':
        return { result: await service.deleteUserData(op.userId) };
      case 'prune':
        return { result: await service.pruneSnapshots({ userId: op.userId, keepLast: 1 }) };
      case 'raw':
        await rawOnOtherConnection(op.sql);
        return { result: 'done' };
    }
  } catch (error) {
    const e = error as Error & { code?: string };
    return { error: normalize(world, { name: e.name, code: e.code, message: e.message }) };
  }
}

/** Every table's content, comparable across worlds (snapshots by the operation that saved them, with their parent's). */
async function contents(db: DatabaseClient) {
  const q = <T>(sql: string) => db.prisma.$queryRawUnsafe<T[]>(sql);
  return {
    users: await q(`SELECT id, email, role, auto_provisioned FROM userbase ORDER BY id`),
    threads: await q(`SELECT user_id, id, auto_provisioned FROM agent_threads ORDER BY user_id, id`),
    snapshots: await q(`SELECT s.user_id, s.thread_id, s.run_id, s.state->>'op' AS op, p.state->>'op' AS parent_op
                        FROM agent_state_snapshots s LEFT JOIN agent_state_snapshots p ON p.id = s.parent_id ORDER BY s.seq`),
    audit: await q(`SELECT entity, subject_id, outcome, decision, reason_code, environment FROM user_provisioning_audit ORDER BY id`),
  };
}

describeEachDatabase('the cache is an optimisation only: cached instances vs a cache-less service, operation by operation', (db, kind) => {
  let reference: TestDatabase | undefined;
  beforeAll(async () => {
    reference = kind === 'pglite' ? await createTestPglite() : await createTestPostgres();
  }, 120_000);
  afterAll(async () => {
    await reference?.close();
  });

  it(`${OPERATIONS} seeded random operations (seed ${SEED}) give identical outcomes and table contents`, async () => {
    const cached = openWorld(db(), undefined, 2);
    const plain = openWorld(reference!, 0, 1);
    const rawFor = (world: World) => async (sql: string) => {
      // another process: its own connection on PostgreSQL (PGlite has exactly one)
      if (world.db.url) await runAdminStatement(world.db.url, sql);
      else await world.db.prisma.$executeRawUnsafe(sql);
    };
    for (const world of [cached, plain]) await rawFor(world)(`INSERT INTO userbase (id, email) VALUES ('${EXISTING_USER}', '${EXISTING_USER}@company.example')`);

    const ops = generate(OPERATIONS);
    const kinds: Record<string, number> = {};
    for (const [index, op] of ops.entries()) {
      const got = await apply(cached, op, index, rawFor(cached));
      const want = await apply(plain, op, index, rawFor(plain), 0);
      const label = `operation ${index}: ${JSON.stringify(op)}`;
      expect({ label, outcome: got }).toEqual({ label, outcome: want });
      expect({ label, tables: await contents(cached.db) }).toEqual({ label, tables: await contents(plain.db) });
      const outcome = got as { result?: { status?: string }; error?: { code?: string } };
      const key = `${op.kind}:${outcome.error?.code ?? outcome.result?.status ?? 'ok'}`;
      kinds[key] = (kinds[key] ?? 0) + 1;
    }
    process.stderr.write(`cache differential [${kind}]: ${JSON.stringify({ operations: OPERATIONS, outcomes: kinds, instance0Statements: cached.statements })}\n`);
    // The sequence really covers what matters: successes, skips and each kind of typed error.
    expect(kinds['save:saved']).toBeGreaterThan(100);
    expect(kinds['save:skipped']).toBeGreaterThan(5);
    for (const code of ['UNKNOWN_USER', 'SNAPSHOT_NOT_FOUND', 'CONCURRENT_WRITE']) expect(kinds[`save:${code}`]).toBeGreaterThan(3);
    if (kind === 'postgresql') {
      // instance 0 took the fast path, was wrong on it several times (stale memory), and used the ensure path
      expect(cached.statements.fast).toBeGreaterThan(20);
      expect(cached.statements.fastStale).toBeGreaterThan(3);
      expect(cached.statements.ensure).toBeGreaterThan(20);
    }
  }, 300_000);
});

/**
 * Issue 22 point 9: growing-state storage through a real PgBouncer in
 * transaction mode. The same seeded run of saves (appends, an edit, a fork,
 * a prune) goes once straight to PostgreSQL and once through the pooler with
 * `sql: db.sql` and named statements on (the client falls back to unnamed
 * ones when the pooler cannot keep them); every read of the pooled run equals
 * the direct run's, read both ways, and the layouts were really used.
 */
import { createPrismaClient, type DatabaseClient } from '@agentstate/db';
import { createTestPostgres, describeIfAvailable, pgbouncerAvailability, postgresAvailability, seededRandom, startPgBouncer, type RunningPgBouncer, type TestDatabase } from '@agentstate/db/testing';
import { serviceFor, unique } from './testing/fixtures';
import type { Snapshot } from './types';

function availability() {
  const server = postgresAvailability();
  if (!server.available) return server;
  const bouncer = pgbouncerAvailability();
  return bouncer.available ? { available: true as const } : bouncer;
}

type Service = ReturnType<typeof serviceFor>['service'];

/** The run: returns the ids it saved, in order. Deterministic for a seed, so two runs store the same states. */
async function run(service: Service, userId: string): Promise<string[]> {
  const random = seededRandom(922);
  const words = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 36 ** 5).toString(36)).join(' ');
  const ids: string[] = [];
  const save = async (threadId: string, state: unknown, parentId?: string) => {
    const result = await service.saveSnapshot({ userId, threadId, runId: 'r', state, ...(parentId ? { parentId } : {}) });
    if (result.status !== 'saved') throw new Error('expected saved');
    ids.push(result.snapshot.id);
    return result.snapshot.id;
  };
  for (const threadId of ['a', 'b']) {
    let messages: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 14; i++) {
      messages = [...messages, { role: i % 2 ? 'assistant' : 'user', content: `${i}: ${words(200)}`, at: new Date(1_700_000_000_000 + i) }];
      if (i === 9) messages = messages.map((m, j) => (j === 3 ? { ...m, status: 'edited' } : m));
      await save(threadId, { step: i, messages });
    }
    // a fork from an earlier snapshot, continued
    await save(threadId, { step: 99, messages: [...messages.slice(0, 5), { role: 'user', content: words(150) }] }, ids[ids.length - 8]);
  }
  await service.pruneSnapshots({ userId, threadId: 'b', keepLast: 6 });
  return ids;
}

/** Everything the service reads for a user, ids replaced by their position in the run (the two runs have different ids). */
async function readAll(service: Service, userId: string, ids: string[]) {
  const position = (id: string | null) => (id === null ? null : ids.indexOf(id));
  const shape = (s: Snapshot | null) => (s ? { at: position(s.id), parent: position(s.parentId), threadId: s.threadId, state: s.state } : null);
  const listed: Snapshot[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Snapshot[]; nextCursor: string | null } = await service.listSnapshots({ userId, limit: 5, cursor });
    listed.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const one = async (id: string) => shape(await service.getSnapshot({ userId, id }).catch(() => null));
  return {
    latest: [shape(await service.getLatest({ userId, threadId: 'a' })), shape(await service.getLatest({ userId, threadId: 'b' }))],
    each: await Promise.all(ids.map(one)),
    listed: listed.map(shape),
    lineage: (await service.getLineage({ userId, id: ids[ids.length - 1]! })).map(shape),
  };
}

describeIfAvailable('growing-state storage behind PgBouncer in transaction mode', availability(), () => {
  let direct: TestDatabase;
  let bouncer: RunningPgBouncer;
  let pooled: DatabaseClient | undefined;
  beforeAll(async () => {
    direct = await createTestPostgres();
    bouncer = await startPgBouncer({ mode: 'transaction', poolSize: 4 });
  }, 120_000);
  afterAll(async () => {
    try {
      await pooled?.close();
    } finally {
      try {
        await bouncer?.stop();
      } finally {
        await direct?.close();
      }
    }
  });

  it('saves and reads through the pooler (named statements on, falling back) equal the same run made directly', async () => {
    const directUser = unique('dev-temp-direct-');
    const directIds = await run(serviceFor(direct).service, directUser);
    const expected = await readAll(serviceFor(direct).service, directUser, directIds);

    pooled = await createPrismaClient({ config: { provider: 'postgresql', url: bouncer.urlFor(new URL(direct.url!).pathname.slice(1), { flag: false }) }, poolSize: 8 });
    expect(pooled.sql).toBeDefined();
    const pooledUser = unique('dev-temp-pooled-');
    const pooledIds = await run(serviceFor(pooled).service, pooledUser);
    // Read back through the pooler (several concurrent readers, a fresh service with a cold cache) and directly.
    const results = await Promise.all(Array.from({ length: 6 }, () => readAll(serviceFor(pooled!).service, pooledUser, pooledIds)));
    for (const result of results) expect(result).toEqual(expected);
    expect(await readAll(serviceFor(direct).service, pooledUser, pooledIds)).toEqual(expected);
    expect(expected.listed.length).toBe(15 + 6);

    // The pooled run stored layouts over element rows, as the direct one did, and the same number.
    const layouts = async (userId: string) =>
      (await direct.prisma.$queryRaw<Array<{ layouts: number; elements: number }>>`
        SELECT (SELECT count(*) FROM agent_state_snapshots WHERE user_id = ${userId} AND layout IS NOT NULL)::int AS layouts,
               (SELECT count(*) FROM agent_state_elements WHERE user_id = ${userId})::int AS elements`)[0]!;
    const pooledCounts = await layouts(pooledUser);
    expect(pooledCounts.layouts).toBeGreaterThan(10);
    expect(pooledCounts).toEqual(await layouts(directUser));
    // The pooler showed it cannot keep named statements, and the client went unnamed.
    expect(pooled.sql!.namedStatements).toBe(false);
  }, 120_000);
});

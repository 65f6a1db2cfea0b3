/**
 * Reads through a real PgBouncer (Debian's 1.18) in transaction mode, where a
 * named prepared statement may be missing on the server connection a
 * transaction lands on: with the client as the README sets it up (named
 * statements on) and with `?pgbouncer=true`, 16 concurrent readers get exactly
 * what a direct connection reads.
 */
import { createPrismaClient, type DatabaseClient } from '@agentstate/db';
import { createTestPostgres, describeIfAvailable, pgbouncerAvailability, postgresAvailability, startPgBouncer, type RunningPgBouncer, type TestDatabase } from '@agentstate/db/testing';
import { serviceFor, unique } from './testing/fixtures';
import type { SaveSnapshotResult, Snapshot } from './types';

function availability() {
  const server = postgresAvailability();
  if (!server.available) return server;
  const bouncer = pgbouncerAvailability();
  return bouncer.available ? { available: true as const } : bouncer;
}

const READERS = 16;

describeIfAvailable('reads behind PgBouncer in transaction mode', availability(), () => {
  let direct: TestDatabase;
  let bouncer: RunningPgBouncer;
  const pooled: DatabaseClient[] = [];
  beforeAll(async () => {
    direct = await createTestPostgres();
    bouncer = await startPgBouncer({ mode: 'transaction', poolSize: 4 });
  }, 120_000);
  afterAll(async () => {
    try {
      await Promise.all(pooled.map((client) => client.close()));
    } finally {
      try {
        await bouncer?.stop();
      } finally {
        await direct?.close();
      }
    }
  });

  async function seed(userId: string) {
    const { service } = serviceFor(direct);
    const ids: string[] = [];
    let parentId: string | null = null;
    for (let i = 0; i < 6; i++) {
      const saved: SaveSnapshotResult = await service.saveSnapshot({ userId, threadId: 't', runId: `r${i % 2}`, state: { i, at: new Date(i), text: 'y'.repeat(1500) }, parentId });
      if (saved.status !== 'saved') throw new Error('expected saved');
      ids.push(saved.snapshot.id);
      parentId = saved.snapshot.id;
    }
    return ids;
  }

  async function readAll(service: ReturnType<typeof serviceFor>['service'], userId: string, ids: string[]) {
    const pages: Snapshot[][] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Snapshot[]; nextCursor: string | null } = await service.listSnapshots({ userId, threadId: 't', limit: 4, maxBytes: 4096, cursor });
      pages.push(page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return {
      latest: await service.getLatest({ userId, threadId: 't' }),
      one: await service.getSnapshot({ userId, id: ids[2]! }),
      byRun: await service.listSnapshots({ userId, runId: 'r1' }),
      pages,
      lineage: await service.getLineage({ userId, id: ids[5]!, maxBytes: 5000 }),
      foreign: await service.getSnapshot({ userId: `${userId}-other`, id: ids[0]! }).catch((error: unknown) => (error as { code?: string }).code),
    };
  }

  for (const flag of [false, true]) {
    it(`${READERS} concurrent readers read what a direct connection reads (${flag ? '?pgbouncer=true' : 'named statements on, as by default'})`, async () => {
      const userId = unique('dev-temp-');
      const ids = await seed(userId);
      const expected = await readAll(serviceFor(direct).service, userId, ids);
      expect(expected.pages.flat()).toHaveLength(6);
      expect(expected.foreign).toBe('SNAPSHOT_NOT_FOUND');
      const client = await createPrismaClient({ config: { provider: 'postgresql', url: bouncer.urlFor(new URL(direct.url!).pathname.slice(1), { flag }) }, poolSize: READERS });
      pooled.push(client);
      const { service } = serviceFor(client);
      // Several rounds: each round's readers land on whichever server connections PgBouncer hands out.
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all(Array.from({ length: READERS }, () => readAll(service, userId, ids)));
        for (const result of results) expect(result).toEqual(expected);
      }
      // Without the flag, the pooler showed it cannot keep named statements, and the client went unnamed.
      expect(client.sql!.namedStatements).toBe(false);
    }, 60_000);
  }
});

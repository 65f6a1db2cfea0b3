/**
 * Behind a connection pooler, as hosted PostgreSQL is usually reached: a real
 * PgBouncer (Debian's 1.18) in front of the test server, in transaction mode
 * and in session mode. The client is configured exactly as the README says
 * (createPrismaClient on the pooler's URL, the service with `sql: db.sql`, no
 * extra flag: named prepared statements on, as by default). Every load scenario, a mixed workload (saves + reads,
 * expectedParentId chains, data management) with 0 errors, and afterwards a
 * fresh direct connection finds every acknowledged save that was not deleted.
 */
import { createPrismaClient, migratePostgres, NAMED_STATEMENTS_OFF_WARNING, type DatabaseClient } from '@agentstate/db';
import { createEmptyPostgresDatabase, createTestPostgres, describeIfAvailable, pgbouncerAvailability, postgresAvailability, startPgBouncer, type PoolMode, type RunningPgBouncer, type TestDatabase } from '@agentstate/db/testing';
import { ConcurrentWriteError, createStatePersistence, type StatePersistence } from '@agentstate/state-persistence';
import { Client } from 'pg';
import { recordFigure } from './figures/figures';
import { describeError, serviceWithLog, unique } from './testing/helpers';
import { loadScenarios } from './testing/load';

const WORKERS = 16;
const PAIRS = 25;

function availability() {
  const server = postgresAvailability();
  if (!server.available) return server;
  const bouncer = pgbouncerAvailability();
  return bouncer.available ? { available: true as const } : bouncer;
}

const databaseName = (db: TestDatabase) => new URL(db.url!).pathname.slice(1);

for (const mode of ['transaction', 'session'] as PoolMode[]) {
  describeIfAvailable(`behind PgBouncer in ${mode} mode`, availability(), () => {
    let direct: TestDatabase;
    let bouncer: RunningPgBouncer;
    let pooled: DatabaseClient;
    beforeAll(async () => {
      direct = await createTestPostgres();
      // session mode pins a server connection per client connection: give it as many as the app's pool
      bouncer = await startPgBouncer({ mode, poolSize: mode === 'session' ? WORKERS + 4 : 8 });
      // The README's setup, pointed at the pooler: nothing else.
      pooled = await createPrismaClient({ config: { provider: 'postgresql', url: bouncer.urlFor(databaseName(direct)) }, poolSize: WORKERS });
    }, 120_000);
    afterAll(async () => {
      // each step whatever the one before did: a failed close must not leave the daemon running
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
    const service = (environment: 'development' | 'test'): StatePersistence => serviceWithLog(pooled.prisma, environment, { sql: pooled.sql! }).service;

    loadScenarios(__filename, `pgbouncer ${mode} mode, sql: db.sql`, () => ({ prisma: pooled.prisma, service }), true);

    it(`${WORKERS} workers x ${PAIRS} save + getLatest pairs, expectedParentId chains and data management: 0 errors, nothing lost`, async () => {
      const store = service('development');
      const errors: string[] = [];
      const acknowledged: Array<{ userId: string; id: string }> = [];
      const note = (what: string) => (error: unknown) => void errors.push(`${what}: ${describeError(error)}`);

      // saves and reads, each worker its own new user
      const users = Array.from({ length: WORKERS }, (_, w) => unique(`dev-temp-pool${w}-`));
      await Promise.all(
        users.map(async (userId) => {
          for (let i = 0; i < PAIRS; i++) {
            const saved = await store.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { i } }).catch(note('save'));
            if (saved && saved.status === 'saved') acknowledged.push({ userId, id: saved.snapshot.id });
            const latest = await store.getLatest({ userId, threadId: 't' }).catch(note('getLatest'));
            if (saved && saved.status === 'saved' && latest?.id !== saved.snapshot.id) errors.push(`getLatest after save ${i} of ${userId} returned ${latest?.id}`);
          }
        }),
      );

      // four writers continue one thread with expectedParentId (a transaction each)
      const chainUser = unique('dev-temp-chain-');
      let conflicts = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let step = 0; step < 10; ) {
            const latest = await store.getLatest({ userId: chainUser, threadId: 'c' });
            try {
              const saved = await store.saveSnapshot({ userId: chainUser, threadId: 'c', runId: 'r', state: { step }, expectedParentId: latest?.id ?? null });
              if (saved.status === 'saved') acknowledged.push({ userId: chainUser, id: saved.snapshot.id });
              step++;
            } catch (error) {
              if (error instanceof ConcurrentWriteError) conflicts++;
              else return note('expectedParentId save')(error);
            }
          }
        }),
      );
      const chain = await store.listSnapshots({ userId: chainUser, threadId: 'c', limit: 500 });
      const linear = chain.items.every((s, i) => s.parentId === (chain.items[i + 1]?.id ?? null));

      // data management: on users of their own, while nothing else touches them
      const doomed = users.slice(0, 3);
      await store.deleteThread({ userId: doomed[0]!, threadId: 't' }).catch(note('deleteThread'));
      await store.deleteUserData(doomed[1]!).catch(note('deleteUserData'));
      await store.pruneSnapshots({ userId: doomed[2]!, keepLast: 5 }).catch(note('pruneSnapshots'));
      const pruned = (await store.listSnapshots({ userId: doomed[2]!, limit: 500 })).items.map((s) => s.id);

      // Nothing lost: a fresh, direct connection (not the pooler) finds every acknowledged save that was not deleted.
      const expected = acknowledged.filter((a) => a.userId !== doomed[0] && a.userId !== doomed[1] && (a.userId !== doomed[2] || pruned.includes(a.id)));
      const client = new Client({ connectionString: direct.url });
      await client.connect();
      let found: Set<string>;
      try {
        found = new Set((await client.query<{ id: string }>('SELECT id::text AS id FROM agent_state_snapshots')).rows.map((r) => r.id));
      } finally {
        await client.end();
      }
      const lost = expected.filter((a) => !found.has(a.id));
      recordFigure(__filename, {
        key: `pooler.${mode}.mixed`,
        summary: `behind PgBouncer (${mode} mode), README setup: ${WORKERS} workers x ${PAIRS} save+getLatest pairs, 40 expectedParentId saves on one thread (${conflicts} conflicts retried, chain ${linear ? 'linear' : 'FORKED'}), deleteThread/deleteUserData/pruneSnapshots: ${errors.length} errors, ${lost.length} of ${expected.length} acknowledged saves lost (read back on a fresh direct connection)`,
        values: { mode, errors: errors.length, acknowledged: acknowledged.length, expected: expected.length, lost: lost.length, conflicts, linear },
      });
      expect(errors).toEqual([]);
      expect(chain.items).toHaveLength(40);
      expect(linear).toBe(true);
      expect(pruned).toHaveLength(5);
      expect(lost).toEqual([]);
    }, 240_000);

    if (mode === 'transaction') {
      it('named prepared statements (the default) turn themselves off at the first sign of the pooler: 0 saves fail; with ?pgbouncer=true they are never sent', async () => {
        const run = async (url: string) => {
          const db = await createPrismaClient({ config: { provider: 'postgresql', url }, poolSize: WORKERS });
          const named = db.sql!.namedStatements;
          const store = createStatePersistence({ prisma: db.prisma, sql: db.sql!, environment: 'development' });
          const users = Array.from({ length: WORKERS }, (_, w) => unique(`dev-temp-prep${w}-`));
          const ids: string[] = [];
          let failed = 0;
          await Promise.all(users.map(async (userId) => {
            for (let i = 0; i < 10; i++) {
              await store.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { i } }).then(
                (saved) => void (saved.status === 'saved' && ids.push(saved.snapshot.id)),
                () => failed++,
              );
            }
          }));
          const namedAfter = db.sql!.namedStatements;
          await db.close();
          return { failed, named, namedAfter, ids };
        };
        const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
        let withoutFlag: Awaited<ReturnType<typeof run>>;
        let withFlag: Awaited<ReturnType<typeof run>>;
        let warnings: unknown[][];
        try {
          withoutFlag = await run(bouncer.urlFor(databaseName(direct)));
          withFlag = await run(bouncer.urlFor(databaseName(direct), { flag: true }));
        } finally {
          warnings = warn.mock.calls.filter((call) => (call[1] as { code?: string } | undefined)?.code === NAMED_STATEMENTS_OFF_WARNING);
          warn.mockRestore();
        }
        // every acknowledged save is in the table exactly once (a statement retried unnamed never ran twice)
        const client = new Client({ connectionString: direct.url });
        await client.connect();
        let stored: number;
        try {
          const all = [...withoutFlag.ids, ...withFlag.ids];
          stored = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM agent_state_snapshots WHERE id = ANY($1::uuid[])', [all])).rows[0]!.n;
        } finally {
          await client.end();
        }
        recordFigure(__filename, {
          key: 'pooler.transaction.preparedStatements',
          summary: `PgBouncer transaction mode, named statements on (default): ${withoutFlag.failed}/${WORKERS * 10} saves failed, named statements ${withoutFlag.namedAfter ? 'still on' : 'turned off by the first pooler error'}; with ?pgbouncer=true: never sent, ${withFlag.failed} failed`,
          values: { withoutFlag: withoutFlag.failed, withFlag: withFlag.failed, turnedOff: !withoutFlag.namedAfter },
        });
        expect(withoutFlag.named).toBe(true);
        expect(withoutFlag.failed).toBe(0);
        // 16 workers on 8 server connections: the pooler shows itself
        expect(withoutFlag.namedAfter).toBe(false);
        expect(warnings).toHaveLength(1);
        expect(withFlag.named).toBe(false);
        expect(withFlag.failed).toBe(0);
        expect(stored).toBe(WORKERS * 20);
      }, 120_000);

      it('migrations through the pooler apply and leave no advisory lock behind (transaction-scoped locks only)', async () => {
        const empty = await createEmptyPostgresDatabase();
        try {
          const result = await migratePostgres(bouncer.urlFor(new URL(empty.url).pathname.slice(1)));
          expect(result.applied.length).toBeGreaterThan(0);
          const client = new Client({ connectionString: empty.url });
          await client.connect();
          try {
            const locks = await client.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
            expect(locks.rows[0]).toEqual({ n: 0 });
          } finally {
            await client.end();
          }
        } finally {
          // the pooler may still hold server connections to it: FORCE drops them
          await empty.drop();
        }
      }, 120_000);
    }
  });
}

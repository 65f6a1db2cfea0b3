/**
 * Upgrades under load (issue #11), PostgreSQL only.
 *
 * Part 1, every migration of the repository, read from prisma/migrations (so
 * migrations added later are covered without touching this file), from the
 * second one on (the first creates every table: nothing can run before it):
 * a fresh database migrated up to the one before, seeded with a realistic
 * history in the shape of that schema, then WRITERS concurrent writers that
 * write the way an application of that schema writes, then the migration
 * applied by applyMigrations on its own connection while they keep writing.
 * Measured: every save (latency, outcome, error code), the longest a save was
 * blocked (the longest save overlapping the migration), the migration's
 * duration, and writers seen waiting on locks (pg_locks sampled). Asserted:
 * the migration succeeds, no save of a compatible writer fails, and every
 * acknowledged save is there afterwards (read on a fresh connection).
 *
 * How "an application of the previous schema" writes:
 *  - once agent_threads exists: the current service (createStatePersistence,
 *    development, sql: db.sql) saving to existing threads of seeded dev users,
 *    new threads of theirs and new dev users;
 *  - before it: a plain INSERT of the old shape into agent_state_snapshots for
 *    existing users. Run twice: writing to existing (user, thread) pairs only
 *    (compatible: asserted as above), and also starting new threads, as such
 *    an application does whenever a conversation starts. The second run is a
 *    finding, measured and reported, not hidden: rows that land between the
 *    migration's backfill and its foreign key fail the migration, and once
 *    the key is there every new-thread save of an old writer fails (23503).
 *
 * Part 2, expand/contract on a big table, with test-only migrations (the
 * repository's migrations are applied history and cannot be edited): on
 * 200,000 snapshots with the service's stream running, the snapshot -> thread
 * foreign key (as the agent_threads migration adds it; dropped first, as if
 * the table had grown before the key was added) added (a) in one plain ALTER
 * TABLE … ADD CONSTRAINT, as the agent_threads migration does, (a') the same
 * with the locks taken in the application's order, (b) as ADD … NOT VALID,
 * then VALIDATE CONSTRAINT in a separate migration; and an index, plainly and
 * as a `-- agentstate:no-transaction` CREATE INDEX CONCURRENTLY migration.
 * (a) is reported, not asserted: the service's save statement locks
 * agent_threads before agent_state_snapshots, ADD FOREIGN KEY locks them the
 * other way round, and PostgreSQL may end the deadlock by failing a save
 * (40P01) or the migration. (a'), (b) and the indexes must not fail a save.
 */
import { applyMigrations, createPrismaClient, MigrationFailedError, migrationChecksum, migrationsDir, pgExecutor, readMigrationsDirectory, type ApplyMigrationsResult, type DatabaseClient, type MigrationFile } from '@agentstate/db';
import { createEmptyPostgresDatabase, describeWithPostgresServer } from '@agentstate/db/testing';
import { Client, Pool } from 'pg';
import { recordFigure } from './figures/figures';
import { describeError, serviceWithLog, sleep } from './testing/helpers';
import {
  historySize,
  lostAcknowledged,
  migrateUnderLoad,
  MIGRATION_APP,
  oldShapeInserts,
  SaveStream,
  seedHistory,
  serviceSaves,
  summarise,
  tableExists,
  withApplicationName,
  WRITER_APP,
  type HistoryShape,
  type SaveFn,
  type StreamSummary,
  type UnderLoad,
} from './testing/upgradeLoad';

const WRITERS = 4;
/** part 1: 250 users x 2 threads x 100 snapshots */
const HISTORY: HistoryShape = { users: 250, threadsPerUser: 2, snapshotsPerThread: 100 };
/** part 2: 500 users x 2 threads x 200 snapshots */
const BIG: HistoryShape = { users: 500, threadsPerUser: 2, snapshotsPerThread: 200 };
/** share of an old writer's saves that start a new thread, in the second pre-agent_threads run */
const OLD_WRITER_NEW_THREADS = 0.2;
const BEFORE_MS = 1_000;
const AFTER_MS = 1_000;

const { migrations } = readMigrationsDirectory(migrationsDir());
const fmt = (n: number) => n.toLocaleString('en-US');

async function connect(url: string, app?: string): Promise<Client> {
  const client = new Client({ connectionString: app ? withApplicationName(url, app) : url });
  await client.connect();
  return client;
}

/** The writers of the schema the database has now, and how to close them. */
async function writersFor(url: string, hasThreads: boolean, oldWriterNewThreads: number, shape: HistoryShape): Promise<{ save: SaveFn; label: string; close(): Promise<void>; again?: (threadPrefix: string) => SaveFn }> {
  if (hasThreads) {
    const db: DatabaseClient = await createPrismaClient({ config: { provider: 'postgresql', url: withApplicationName(url, WRITER_APP) }, migrate: false, poolSize: WRITERS + 2 });
    const { service } = serviceWithLog(db.prisma, 'development', { sql: db.sql! });
    return { save: serviceSaves(service, shape), label: 'the current service: existing threads, new threads, new dev users', close: () => db.close() };
  }
  const pool = new Pool({ connectionString: withApplicationName(url, WRITER_APP), max: WRITERS });
  pool.on('error', () => undefined);
  const label = oldWriterNewThreads > 0 ? `old-shape INSERTs, ${Math.round(oldWriterNewThreads * 100)}% starting new threads` : 'old-shape INSERTs to existing threads only';
  return { save: oldShapeInserts(pool, shape, oldWriterNewThreads), label, close: () => pool.end(), again: (prefix) => oldShapeInserts(pool, shape, oldWriterNewThreads, 0x0ad5_2027, prefix) };
}

interface Bookkeeping {
  recorded: boolean;
  finished: boolean;
  steps: number;
}

async function bookkeeping(client: Client, name: string): Promise<Bookkeeping> {
  const { rows } = await client.query<{ finished: boolean; steps: number }>(
    'SELECT finished_at IS NOT NULL AS finished, applied_steps_count AS steps FROM "_prisma_migrations" WHERE migration_name = $1 AND rolled_back_at IS NULL',
    [name],
  );
  return { recorded: rows.length > 0, finished: rows[0]?.finished ?? false, steps: rows[0]?.steps ?? 0 };
}

interface UpgradeRun {
  migration: string;
  hasThreads: boolean;
  writerLabel: string;
  history: number;
  seedMs: number;
  load: UnderLoad<ApplyMigrationsResult>;
  summary: StreamSummary;
  lost: { acknowledged: number; lost: string[] };
  after: Bookkeeping;
  /** when the migration failed: what it failed with, what it left, and a second attempt with the writers stopped */
  failure?: { code: string; rolledBack: boolean; threadsTableLeft: boolean; retry: { ok: boolean; ms: number; error?: string; after: Bookkeeping } };
  /** old writers started again for a moment once the migration is in (old-shape writers that start threads only) */
  oldWritersAfter?: { saves: number; newThread: number; newThreadFailed23503: number; existingThread: number; existingFailed: number; otherFailures: string[]; lost: string[] };
}

/** The SQLSTATE under a MigrationFailedError (or the error's own code). */
function migrationErrorCode(error: unknown): string {
  const cause = error instanceof MigrationFailedError ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : String((error as { code?: unknown }).code ?? 'UNKNOWN');
}

/** Part 1, one run: migrations[k] applied under a stream of saves on a database at migrations[k-1]. */
async function upgradeRun(k: number, oldWriterNewThreads: number): Promise<UpgradeRun> {
  const migration = migrations[k]!;
  const database = await createEmptyPostgresDatabase();
  const admin = await connect(database.url);
  let migrationClient: Client | undefined;
  let writers: Awaited<ReturnType<typeof writersFor>> | undefined;
  try {
    await applyMigrations(pgExecutor(admin), migrations.slice(0, k));
    const seed = await seedHistory(admin, HISTORY);
    writers = await writersFor(database.url, seed.hasThreads, oldWriterNewThreads, HISTORY);
    migrationClient = await connect(database.url, MIGRATION_APP);
    const executor = pgExecutor(migrationClient);
    const load = await migrateUnderLoad({ url: database.url, writers: WRITERS, save: writers.save, migrate: () => applyMigrations(executor, migrations.slice(0, k + 1)), beforeMs: BEFORE_MS, afterMs: AFTER_MS });
    const run: UpgradeRun = {
      migration: migration.name,
      hasThreads: seed.hasThreads,
      writerLabel: writers.label,
      history: seed.snapshots,
      seedMs: Math.round(seed.ms),
      load,
      summary: summarise(load.attempts, load.window),
      lost: await lostAcknowledged(database.url, load.attempts),
      after: await bookkeeping(admin, migration.name),
    };
    if (!load.outcome.ok) {
      const error = load.outcome.error;
      const threadsTableLeft = !seed.hasThreads && (await tableExists(admin, 'agent_threads'));
      const started = performance.now();
      const retry = await applyMigrations(executor, migrations.slice(0, k + 1)).then(
        () => ({ ok: true }),
        (retryError: unknown) => ({ ok: false, error: describeError(retryError) }),
      );
      run.failure = {
        code: migrationErrorCode(error),
        rolledBack: error instanceof MigrationFailedError && error.rolledBack,
        threadsTableLeft,
        retry: { ...retry, ms: Math.round(performance.now() - started), after: await bookkeeping(admin, migration.name) },
      };
    }
    if (writers.again && oldWriterNewThreads > 0 && (load.outcome.ok || run.failure?.retry.ok)) {
      // What old code meets once the migration is in: the same writers, new thread names, for half a second.
      const stream = new SaveStream(WRITERS, writers.again('after'));
      await sleep(500);
      const attempts = await stream.stop();
      const newThread = attempts.filter((a) => a.target === 'new-thread');
      const existing = attempts.filter((a) => a.target === 'existing-thread');
      run.oldWritersAfter = {
        saves: attempts.length,
        newThread: newThread.length,
        newThreadFailed23503: newThread.filter((a) => a.code === '23503').length,
        existingThread: existing.length,
        existingFailed: existing.filter((a) => a.code !== undefined).length,
        otherFailures: attempts.filter((a) => a.code !== undefined && !(a.target === 'new-thread' && a.code === '23503')).map((a) => `${a.target} ${a.code}: ${a.message}`),
        lost: (await lostAcknowledged(database.url, attempts)).lost,
      };
    }
    return run;
  } finally {
    await writers?.close().catch(() => undefined);
    await migrationClient?.end().catch(() => undefined);
    await admin.end().catch(() => undefined);
    await database.drop();
  }
}

function codes(summary: StreamSummary): string {
  const entries = Object.entries(summary.failedByCode);
  return entries.length ? ` (${entries.map(([code, n]) => `${fmt(n)} x ${code}`).join(', ')})` : '';
}

function runSummary(run: UpgradeRun): string {
  const { summary: s, load } = run;
  const outcome = load.outcome.ok ? `took ${fmt(load.migrationMs)} ms` : `FAILED after ${fmt(load.migrationMs)} ms with ${run.failure?.code ?? '?'} (rolled back: ${String(run.failure?.rolledBack)})`;
  return (
    `applying ${run.migration} under ${WRITERS} writers (${run.writerLabel}) on ${fmt(run.history)} snapshots: ` +
    `${fmt(s.saves)} saves, ${fmt(s.failed)} failed${codes(s)}, longest save blocked ${fmt(s.longestBlockedMs)} ms ` +
    `(${fmt(s.duringMigration)} saves overlapped the migration; outside it median ${s.baselineMedianMs} ms, max ${fmt(s.baselineMaxMs)} ms); ` +
    `migration ${outcome}; writers seen waiting on a lock: up to ${load.locks.maxWritersWaiting} at once, longest ${fmt(load.locks.longestWriterWaitMs)} ms` +
    `${load.locks.writerWaits.length ? ` (${load.locks.writerWaits.join('; ')})` : ''}; ${run.lost.lost.length} of ${fmt(run.lost.acknowledged)} acknowledged saves lost`
  );
}

function runValues(run: UpgradeRun): Record<string, number | string | boolean> {
  const { summary: s, load } = run;
  return {
    migration: run.migration,
    writers: WRITERS,
    writer: run.writerLabel,
    snapshots: run.history,
    seedMs: run.seedMs,
    saves: s.saves,
    failed: s.failed,
    failedByCode: JSON.stringify(s.failedByCode),
    failedBy: JSON.stringify(s.failedBy),
    savesDuringMigration: s.duringMigration,
    longestBlockedMs: s.longestBlockedMs,
    baselineMedianMs: s.baselineMedianMs,
    baselineMaxMs: s.baselineMaxMs,
    migrationApplied: load.outcome.ok,
    migrationMs: load.migrationMs,
    maxWritersWaitingOnLocks: load.locks.maxWritersWaiting,
    longestWriterLockWaitMs: load.locks.longestWriterWaitMs,
    writerLockWaits: load.locks.writerWaits.join('; '),
    longestMigrationLockWaitMs: load.locks.longestMigrationWaitMs,
    lockSamples: load.locks.samples,
    acknowledged: run.lost.acknowledged,
    acknowledgedLost: run.lost.lost.length,
    ...(run.failure
      ? {
          migrationError: run.failure.code,
          rolledBack: run.failure.rolledBack,
          threadsTableLeftBehind: run.failure.threadsTableLeft,
          retryWithWritersStopped: run.failure.retry.ok,
          retryMs: run.failure.retry.ms,
        }
      : {}),
  };
}

/** What must hold for a writer the migration is meant to be compatible with. */
function expectCompatible(run: UpgradeRun): void {
  if (!run.load.outcome.ok) throw new Error(`${run.migration} failed under a compatible writer: ${describeError(run.load.outcome.error)}`);
  expect(run.after).toEqual({ recorded: true, finished: true, steps: 1 });
  expect(run.load.attempts.filter((a) => a.code !== undefined).slice(0, 5)).toEqual([]);
  expect(run.lost.lost).toEqual([]);
  // the stream really ran across the migration
  expect(run.summary.acknowledged).toBeGreaterThan(WRITERS * 10);
}

describeWithPostgresServer('upgrades under load: each migration applied while writers of the previous schema save', () => {
  const first = migrations[0];
  if (first) {
    it(`${first.name}: the first migration creates every table, nothing runs before it`, () => {
      recordFigure(__filename, {
        key: `upgrade.${first.name}`,
        summary: `applying ${first.name}: not measured under load: it is the first migration and creates every table, so no application can be writing before it`,
        values: { migration: first.name, measured: false },
      });
    });
  }

  for (let k = 1; k < migrations.length; k++) {
    const name = migrations[k]!.name;
    it(`applying ${name} while ${WRITERS} writers of the previous schema save`, async () => {
      const run = await upgradeRun(k, 0);
      recordFigure(__filename, { key: `upgrade.${name}`, summary: runSummary(run), values: runValues(run) });
      expectCompatible(run);
      if (run.hasThreads) return;

      // Before agent_threads: the same migration under old writers that also start new threads (a finding, reported).
      const finding = await upgradeRun(k, OLD_WRITER_NEW_THREADS);
      const s = finding.summary;
      const newThreadFailuresAfter = Object.entries(s.failedBy).filter(([key]) => key.startsWith('after/new-thread')).reduce((sum, [, n]) => sum + n, 0);
      const summary =
        runSummary(finding) +
        (finding.failure
          ? `; agent_threads left behind: ${String(finding.failure.threadsTableLeft)}; applied again with the writers stopped: ${finding.failure.retry.ok ? `yes, in ${fmt(finding.failure.retry.ms)} ms` : `no (${finding.failure.retry.error ?? ''})`}`
          : `; after it, ${fmt(newThreadFailuresAfter)} new-thread saves of old writers failed`) +
        (finding.oldWritersAfter
          ? `; old writers started again once it was in: ${fmt(finding.oldWritersAfter.newThreadFailed23503)} of ${fmt(finding.oldWritersAfter.newThread)} new-thread saves failed with 23503, ${fmt(finding.oldWritersAfter.existingFailed)} of ${fmt(finding.oldWritersAfter.existingThread)} saves to existing threads failed`
          : '');
      const after = finding.oldWritersAfter;
      recordFigure(__filename, {
        key: `upgrade.${name}.oldWritersStartingThreads`,
        summary,
        values: {
          ...runValues(finding),
          newThreadFailuresAfter,
          ...(after ? { restartedOldWriterSaves: after.saves, restartedNewThreadSaves: after.newThread, restartedNewThreadFailed23503: after.newThreadFailed23503, restartedExistingThreadSaves: after.existingThread, restartedExistingThreadFailed: after.existingFailed } : {}),
        },
      });

      // Whatever the race decided, nothing acknowledged is lost, only new-thread saves fail, and only on the new
      // foreign key; a failed migration leaves nothing behind and goes through once the old writers are stopped.
      expect(finding.lost.lost).toEqual([]);
      const failures = finding.load.attempts.filter((a) => a.code !== undefined);
      expect(failures.filter((a) => a.target !== 'new-thread' || a.code !== '23503').map((a) => `${a.target} ${a.code}: ${a.message}`)).toEqual([]);
      if (finding.failure) {
        expect(finding.failure).toMatchObject({ code: '23503', rolledBack: true, threadsTableLeft: false, retry: { ok: true, after: { recorded: true, finished: true, steps: 1 } } });
      } else {
        expect(finding.after).toEqual({ recorded: true, finished: true, steps: 1 });
      }
      // once it is in, old code can write to threads that exist and to no other: every new-thread save fails on the new key
      expect(after).toBeDefined();
      expect(after!.otherFailures).toEqual([]);
      expect(after!.lost).toEqual([]);
      expect(after!.newThreadFailed23503).toBe(after!.newThread);
      expect(after!.newThread).toBeGreaterThan(0);
    }, 120_000);
  }

  describe(`expand/contract on a table of ${fmt(historySize(BIG))} snapshots (test-only migrations)`, () => {
    let database: { url: string; drop(): Promise<void> } | undefined;
    let admin: Client;
    let migrationClient: Client;
    let writerDb: DatabaseClient;
    let save: SaveFn;
    let seedMs = 0;
    let fk: { name: string; definition: string };
    const applied: MigrationFile[] = [...migrations];
    let serial = 0;
    const results: Record<string, { summary: StreamSummary; migrationMs: number; applied: boolean; maxWritersWaiting: number; longestWriterWaitMs: number; lost: number; rows: number }> = {};

    beforeAll(async () => {
      database = await createEmptyPostgresDatabase();
      admin = await connect(database.url);
      await applyMigrations(pgExecutor(admin), migrations);
      seedMs = Math.round((await seedHistory(admin, BIG)).ms);
      // The snapshot -> thread foreign key, exactly as the schema has it; dropped, as if the table had grown before it was added.
      const { rows } = await admin.query<{ name: string; definition: string }>(
        `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
          WHERE contype = 'f' AND conrelid = 'agent_state_snapshots'::regclass AND confrelid = 'agent_threads'::regclass`,
      );
      expect(rows).toHaveLength(1);
      fk = rows[0]!;
      await admin.query(`ALTER TABLE "agent_state_snapshots" DROP CONSTRAINT "${fk.name}"`);
      writerDb = await createPrismaClient({ config: { provider: 'postgresql', url: withApplicationName(database.url, WRITER_APP) }, migrate: false, poolSize: WRITERS + 2 });
      save = serviceSaves(serviceWithLog(writerDb.prisma, 'development', { sql: writerDb.sql! }).service, BIG);
      migrationClient = await connect(database.url, MIGRATION_APP);
    }, 120_000);

    afterAll(async () => {
      await writerDb?.close().catch(() => undefined);
      await migrationClient?.end().catch(() => undefined);
      await admin?.end().catch(() => undefined);
      await database?.drop();
    });

    const rowCount = async () => Number((await admin.query<{ n: string }>('SELECT count(*) AS n FROM "agent_state_snapshots"')).rows[0]!.n);

    /**
     * One test-only migration applied by applyMigrations under the service's stream; records what it measured.
     * strict: the migration must succeed and no save may fail (otherwise what happened is only reported).
     */
    async function step(key: string, label: string, script: string, { strict }: { strict: boolean }) {
      const migration: MigrationFile = { name: `20990101${String(++serial).padStart(6, '0')}_test_${key}`, script, checksum: migrationChecksum(script) };
      applied.push(migration);
      const executor = pgExecutor(migrationClient);
      const rows = await rowCount();
      const load = await migrateUnderLoad({ url: database!.url, writers: WRITERS, save, migrate: () => applyMigrations(executor, applied), beforeMs: 700, afterMs: 700 });
      const summary = summarise(load.attempts, load.window);
      const lost = await lostAcknowledged(database!.url, load.attempts);
      const result = { summary, migrationMs: load.migrationMs, applied: load.outcome.ok, maxWritersWaiting: load.locks.maxWritersWaiting, longestWriterWaitMs: load.locks.longestWriterWaitMs, lost: lost.lost.length, rows };
      results[key] = result;
      recordFigure(__filename, {
        key: `upgrade.expandContract.${key}`,
        summary:
          `${label} on ${fmt(rows)} snapshots under ${WRITERS} service writers: migration ${load.outcome.ok ? `took ${fmt(load.migrationMs)} ms` : `FAILED after ${fmt(load.migrationMs)} ms with ${migrationErrorCode(load.outcome.error)}`}, ` +
          `longest save blocked ${fmt(summary.longestBlockedMs)} ms (outside it median ${summary.baselineMedianMs} ms, max ${fmt(summary.baselineMaxMs)} ms), ` +
          `writers seen waiting on a lock: up to ${load.locks.maxWritersWaiting}, longest ${fmt(load.locks.longestWriterWaitMs)} ms; ` +
          `${fmt(summary.saves)} saves, ${fmt(summary.failed)} failed${codes(summary)}, ${lost.lost.length} of ${fmt(lost.acknowledged)} acknowledged lost`,
        values: {
          migration: migration.name,
          snapshots: rows,
          seedMs,
          migrationApplied: load.outcome.ok,
          ...(load.outcome.ok ? {} : { migrationError: migrationErrorCode(load.outcome.error) }),
          migrationMs: load.migrationMs,
          saves: summary.saves,
          failed: summary.failed,
          failedByCode: JSON.stringify(summary.failedByCode),
          savesDuringMigration: summary.duringMigration,
          longestBlockedMs: summary.longestBlockedMs,
          baselineMedianMs: summary.baselineMedianMs,
          baselineMaxMs: summary.baselineMaxMs,
          maxWritersWaitingOnLocks: load.locks.maxWritersWaiting,
          longestWriterLockWaitMs: load.locks.longestWriterWaitMs,
          writerLockWaits: load.locks.writerWaits.join('; '),
          longestMigrationLockWaitMs: load.locks.longestMigrationWaitMs,
          acknowledged: lost.acknowledged,
          acknowledgedLost: lost.lost.length,
        },
      });
      expect(lost.lost).toEqual([]);
      if (strict) {
        if (!load.outcome.ok) throw new Error(`${migration.name} failed: ${describeError(load.outcome.error)}`);
        expect(await bookkeeping(admin, migration.name)).toEqual({ recorded: true, finished: true, steps: 1 });
        expect(load.attempts.filter((a) => a.code !== undefined).slice(0, 5)).toEqual([]);
      } else {
        // whatever happened, it happened cleanly: applied and recorded, or rolled back and not recorded
        expect(await bookkeeping(admin, migration.name)).toEqual(load.outcome.ok ? { recorded: true, finished: true, steps: 1 } : { recorded: false, finished: false, steps: 0 });
        if (!load.outcome.ok) applied.pop();
      }
      return { load, summary };
    }

    const convalidated = async () =>
      (await admin.query<{ valid: boolean }>('SELECT convalidated AS valid FROM pg_constraint WHERE conname = $1 AND conrelid = \'agent_state_snapshots\'::regclass', [fk.name])).rows[0]?.valid;

    it('a foreign key: one plain ADD CONSTRAINT, versus ADD … NOT VALID then VALIDATE CONSTRAINT in a later migration', async () => {
      const table = '"agent_state_snapshots"';
      const add = `ALTER TABLE ${table} ADD CONSTRAINT "${fk.name}" ${fk.definition}`;
      // The application's save statement creates a missing thread, then inserts the snapshot: it locks agent_threads,
      // then agent_state_snapshots. ALTER TABLE … ADD FOREIGN KEY locks them the other way round. Taking the referenced
      // table's lock first makes the order the same; lock_timeout makes the migration give up rather than queue writers.
      const ordered = `SET LOCAL lock_timeout = '5s';\nLOCK TABLE "agent_threads" IN SHARE ROW EXCLUSIVE MODE;\n`;

      // (a) as the agent_threads migration does it: one statement, whole-table check under the lock
      await step('fkPlain', `plain ALTER TABLE … ADD CONSTRAINT "${fk.name}" ${fk.definition}`, `${add};\n`, { strict: false });
      await admin.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS "${fk.name}"`); // back to no key (not measured)
      // (a') the same, with the locks taken in the application's order
      await step('fkPlainOrdered', 'plain ADD CONSTRAINT, locks in the application\'s order (LOCK TABLE agent_threads first, lock_timeout 5s)', `${ordered}${add};\n`, { strict: true });
      expect(await convalidated()).toBe(true);
      await admin.query(`ALTER TABLE ${table} DROP CONSTRAINT "${fk.name}"`); // back to no key (not measured)

      // (b) expand: NOT VALID (new rows are checked from now on), then contract: VALIDATE in a separate migration
      await step('fkNotValid', 'expand: ADD CONSTRAINT … NOT VALID (locks in the application\'s order, lock_timeout 5s)', `${ordered}${add} NOT VALID;\n`, { strict: true });
      expect(await convalidated()).toBe(false);
      const validate = await step('fkValidate', 'contract: VALIDATE CONSTRAINT (a separate migration)', `ALTER TABLE ${table} VALIDATE CONSTRAINT "${fk.name}";\n`, { strict: true });
      expect(await convalidated()).toBe(true);
      // VALIDATE takes SHARE UPDATE EXCLUSIVE on the table and ROW SHARE on agent_threads: no writer ever waits on it
      expect(validate.load.locks.maxWritersWaiting).toBe(0);

      const r = results;
      const line = (key: string) => {
        const x = r[key]!;
        return `${fmt(x.summary.longestBlockedMs)} ms (migration ${x.applied ? fmt(x.migrationMs) + ' ms' : 'FAILED'}, ${fmt(x.summary.failed)} saves failed${codes(x.summary)})`;
      };
      recordFigure(__filename, {
        key: 'upgrade.expandContract.fk',
        summary:
          `foreign key ${fk.name} added on ~${fmt(r.fkPlain!.rows)} snapshots under ${WRITERS} writers, longest save blocked: plain ADD CONSTRAINT ${line('fkPlain')}; ` +
          `plain with the locks in the application's order ${line('fkPlainOrdered')}; NOT VALID ${line('fkNotValid')}, then VALIDATE ${line('fkValidate')}`,
        values: Object.fromEntries(
          ['fkPlain', 'fkPlainOrdered', 'fkNotValid', 'fkValidate'].flatMap((key) => [
            [`${key}BlockedMs`, r[key]!.summary.longestBlockedMs],
            [`${key}MigrationMs`, r[key]!.migrationMs],
            [`${key}Applied`, r[key]!.applied],
            [`${key}Failed`, r[key]!.summary.failed],
          ]),
        ),
      });
    }, 120_000);

    it('an index: plain CREATE INDEX, versus CREATE INDEX CONCURRENTLY in a -- agentstate:no-transaction migration', async () => {
      const index = 'agent_state_snapshots_run_created_idx';
      const columns = '"agent_state_snapshots"("run_id", "created_at")';
      await step('indexPlain', 'plain CREATE INDEX (in the migration transaction)', `CREATE INDEX "${index}" ON ${columns};\n`, { strict: true });
      await admin.query(`DROP INDEX "${index}"`); // back to no index (not measured)
      const concurrently = await step('indexConcurrently', 'CREATE INDEX CONCURRENTLY (-- agentstate:no-transaction)', `-- agentstate:no-transaction\nCREATE INDEX CONCURRENTLY "${index}" ON ${columns};\n`, { strict: true });
      const { rows } = await admin.query<{ valid: boolean }>('SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = $1::regclass', [index]);
      expect(rows).toEqual([{ valid: true }]);
      // CONCURRENTLY takes SHARE UPDATE EXCLUSIVE: writers never wait on it (it waits for them)
      expect(concurrently.load.locks.maxWritersWaiting).toBe(0);
      const r = results;
      recordFigure(__filename, {
        key: 'upgrade.expandContract.index',
        summary:
          `index on ~${fmt(r.indexPlain!.rows)} snapshots under ${WRITERS} writers: plain CREATE INDEX blocked saves up to ${fmt(r.indexPlain!.summary.longestBlockedMs)} ms (migration ${fmt(r.indexPlain!.migrationMs)} ms); ` +
          `CREATE INDEX CONCURRENTLY up to ${fmt(r.indexConcurrently!.summary.longestBlockedMs)} ms (migration ${fmt(r.indexConcurrently!.migrationMs)} ms, ${r.indexConcurrently!.maxWritersWaiting} writers waiting on locks)`,
        values: {
          plainBlockedMs: r.indexPlain!.summary.longestBlockedMs,
          plainMigrationMs: r.indexPlain!.migrationMs,
          concurrentlyBlockedMs: r.indexConcurrently!.summary.longestBlockedMs,
          concurrentlyMigrationMs: r.indexConcurrently!.migrationMs,
        },
      });
    }, 120_000);
  });
});

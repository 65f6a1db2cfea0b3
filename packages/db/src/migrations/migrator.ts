import { randomUUID } from 'node:crypto';
import type { SqlExecutor } from './executor';
import { FailedMigrationInHistoryError, MigrationChecksumMismatchError, MigrationFailedError } from './errors';
import type { MigrationFile } from './files';

/** Prisma Migrate's bookkeeping table, column for column. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** The advisory lock key Prisma Migrate takes, so our runs and Prisma's exclude each other. */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

interface HistoryRow extends Record<string, unknown> {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export interface ApplyMigrationsResult {
  applied: string[];
  alreadyApplied: string[];
  /** rows in _prisma_migrations whose folder no longer exists locally */
  unknownToFiles: string[];
}

/**
 * A migration whose first line is this comment runs outside a transaction
 * (e.g. CREATE INDEX CONCURRENTLY, which PostgreSQL refuses inside one). Keep
 * such a migration to a single statement: that is also how `prisma migrate
 * deploy` can run it (a multi-statement script is one implicit transaction).
 */
export const NO_TRANSACTION_MARKER = '-- agentstate:no-transaction';

export function runsInTransaction(migration: MigrationFile): boolean {
  return !migration.script.trimStart().startsWith(NO_TRANSACTION_MARKER);
}

/**
 * Applies pending migrations the way `prisma migrate deploy` records them,
 * with deliberate differences:
 *  - each migration runs in its own transaction (a failure leaves nothing
 *    half-applied), unless it is marked to run outside one;
 *  - an applied migration whose file changed afterwards stops the run;
 *  - the lock is Prisma Migrate's advisory lock key, but taken per migration
 *    as a transaction-scoped lock, never a session-level one: a session lock
 *    through a transaction-mode pooler (PgBouncer) stays behind on whatever
 *    server connection ran it. Transaction-scoped locks end with their
 *    transaction, so nothing can leak, and a concurrent runner (ours or
 *    Prisma's, which shares the key) waits, then finds the migration applied.
 */
export async function applyMigrations(db: SqlExecutor, migrations: MigrationFile[]): Promise<ApplyMigrationsResult> {
  await createMigrationsTable(db);
  const live = await liveHistory(db);
  const failed = live.find((row) => row.finished_at === null);
  if (failed) throw new FailedMigrationInHistoryError(failed.migration_name);
  const appliedByName = new Map(live.map((row) => [row.migration_name, row]));
  for (const migration of migrations) {
    const row = appliedByName.get(migration.name);
    if (row && row.checksum !== migration.checksum) throw new MigrationChecksumMismatchError(migration.name, row.checksum, migration.checksum);
  }
  const result: ApplyMigrationsResult = {
    applied: [],
    alreadyApplied: migrations.filter((m) => appliedByName.has(m.name)).map((m) => m.name),
    unknownToFiles: [...appliedByName.keys()].filter((name) => !migrations.some((m) => m.name === name)),
  };
  for (const migration of migrations) {
    if (appliedByName.has(migration.name)) continue;
    const outcome = runsInTransaction(migration) ? await applyInTransaction(db, migration) : await applyOutsideTransaction(db, migration);
    if (outcome === 'applied') result.applied.push(migration.name);
    else result.alreadyApplied.push(migration.name);
  }
  return result;
}

/** Under the lock: two runners' CREATE TABLE IF NOT EXISTS can otherwise collide in the catalog. */
async function createMigrationsTable(db: SqlExecutor): Promise<void> {
  await db.exec('BEGIN');
  try {
    await db.query('SELECT pg_advisory_xact_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    await db.exec(CREATE_MIGRATIONS_TABLE);
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function liveHistory(db: SqlExecutor): Promise<HistoryRow[]> {
  const history = await db.query<HistoryRow>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at, migration_name');
  return history.filter((row) => row.rolled_back_at === null);
}

/** Under the lock, in this transaction: has another runner recorded it meanwhile? (A started, unfinished row stops the run.) */
async function recordedMeanwhile(db: SqlExecutor, migration: MigrationFile): Promise<boolean> {
  const rows = await db.query<HistoryRow>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE migration_name = $1 AND rolled_back_at IS NULL', [migration.name]);
  const row = rows[0];
  if (!row) return false;
  if (row.finished_at === null) throw new FailedMigrationInHistoryError(migration.name);
  if (row.checksum !== migration.checksum) throw new MigrationChecksumMismatchError(migration.name, row.checksum, migration.checksum);
  return true;
}

async function applyInTransaction(db: SqlExecutor, migration: MigrationFile): Promise<'applied' | 'already-applied'> {
  const id = randomUUID();
  await db.exec('BEGIN');
  try {
    await db.query('SELECT pg_advisory_xact_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    if (await recordedMeanwhile(db, migration)) {
      await db.exec('COMMIT');
      return 'already-applied';
    }
    await db.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, clock_timestamp(), 0)',
      [id, migration.checksum, migration.name],
    );
    await db.exec(migration.script);
    await db.query('UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1', [id]);
    await db.exec('COMMIT');
    return 'applied';
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    if (error instanceof MigrationChecksumMismatchError || error instanceof FailedMigrationInHistoryError) throw error;
    throw new MigrationFailedError(migration.name, error);
  }
}

/**
 * Outside a transaction: the row is claimed (started, unfinished) in a short
 * locked transaction, so any other runner stops at it instead of running the
 * same statement; then the script runs; then the row is finished. If the
 * script fails, the row stays unfinished, exactly as `prisma migrate deploy`
 * records a failed migration (fix it, then `prisma migrate resolve`).
 */
async function applyOutsideTransaction(db: SqlExecutor, migration: MigrationFile): Promise<'applied' | 'already-applied'> {
  const id = randomUUID();
  await db.exec('BEGIN');
  try {
    await db.query('SELECT pg_advisory_xact_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    if (await recordedMeanwhile(db, migration)) {
      await db.exec('COMMIT');
      return 'already-applied';
    }
    await db.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, clock_timestamp(), 0)',
      [id, migration.checksum, migration.name],
    );
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    throw error;
  }
  try {
    await db.exec(migration.script);
  } catch (error) {
    await db.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, error instanceof Error ? error.message : String(error)]).catch(() => undefined);
    throw new MigrationFailedError(migration.name, error, { rolledBack: false });
  }
  await db.query('UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1', [id]);
  return 'applied';
}

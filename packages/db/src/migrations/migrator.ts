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
 * Applies pending migrations the way `prisma migrate deploy` records them,
 * with two deliberate differences: each migration runs in its own transaction
 * (a failure leaves nothing half-applied), and an applied migration whose
 * file changed afterwards stops the run instead of being ignored.
 */
export async function applyMigrations(db: SqlExecutor, migrations: MigrationFile[]): Promise<ApplyMigrationsResult> {
  await db.exec(CREATE_MIGRATIONS_TABLE);
  await db.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
  try {
    const history = await db.query<HistoryRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at, migration_name',
    );
    const live = history.filter((row) => row.rolled_back_at === null);
    const failed = live.find((row) => row.finished_at === null);
    if (failed) throw new FailedMigrationInHistoryError(failed.migration_name);

    const appliedByName = new Map(live.map((row) => [row.migration_name, row]));
    for (const migration of migrations) {
      const row = appliedByName.get(migration.name);
      if (row && row.checksum !== migration.checksum) {
        throw new MigrationChecksumMismatchError(migration.name, row.checksum, migration.checksum);
      }
    }

    const result: ApplyMigrationsResult = {
      applied: [],
      alreadyApplied: migrations.filter((m) => appliedByName.has(m.name)).map((m) => m.name),
      unknownToFiles: [...appliedByName.keys()].filter((name) => !migrations.some((m) => m.name === name)),
    };
    for (const migration of migrations) {
      if (appliedByName.has(migration.name)) continue;
      await applyOne(db, migration);
      result.applied.push(migration.name);
    }
    return result;
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
  }
}

async function applyOne(db: SqlExecutor, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await db.exec('BEGIN');
  try {
    await db.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, clock_timestamp(), 0)',
      [id, migration.checksum, migration.name],
    );
    await db.exec(migration.script);
    await db.query(
      'UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    throw new MigrationFailedError(migration.name, error);
  }
}

import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { migrationsDir } from '../paths';
import { createEmptyPostgresDatabase, describeWithPostgresServer } from '../testing';
import { MigrationChecksumMismatchError, MigrationFailedError } from './errors';
import { pgExecutor, pgliteExecutor, type SqlExecutor } from './executor';
import { readMigrationsDirectory } from './files';
import { applyMigrations, NO_TRANSACTION_MARKER } from './migrator';
import { FailedMigrationInHistoryError } from './errors';

function copyOfMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentstate-migrations-'));
  cpSync(migrationsDir(), dir, { recursive: true });
  return dir;
}

const committed = readMigrationsDirectory(migrationsDir()).migrations;

function contract(open: () => Promise<{ db: SqlExecutor; close(): Promise<void> }>) {
  let handle: { db: SqlExecutor; close(): Promise<void> };
  beforeEach(async () => {
    handle = await open();
  }, 60_000);
  afterEach(async () => {
    await handle.close();
  });

  it('applies every migration once, records it like prisma migrate deploy, and is idempotent', async () => {
    const first = await applyMigrations(handle.db, committed);
    expect(first.applied).toEqual(committed.map((m) => m.name));
    const rows = await handle.db.query<{ migration_name: string; checksum: string; applied_steps_count: number; finished: boolean; rolled_back_at: Date | null; logs: string | null }>(
      'SELECT migration_name, checksum, applied_steps_count, finished_at IS NOT NULL AS finished, rolled_back_at, logs FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows).toEqual(
      committed.map((m) => ({ migration_name: m.name, checksum: m.checksum, applied_steps_count: 1, finished: true, rolled_back_at: null, logs: null })),
    );
    const second = await applyMigrations(handle.db, committed);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(committed.map((m) => m.name));
    expect(await handle.db.query('SELECT 1 FROM _prisma_migrations')).toHaveLength(committed.length);
  });

  it('refuses to run when an applied migration file was changed afterwards', async () => {
    await applyMigrations(handle.db, committed);
    const dir = copyOfMigrations();
    try {
      const first = committed[0]!;
      appendFileSync(join(dir, first.name, 'migration.sql'), '\n-- edited after it was applied\n');
      const edited = readMigrationsDirectory(dir).migrations;
      const error = await applyMigrations(handle.db, edited).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationChecksumMismatchError);
      expect(error).toMatchObject({ code: 'MIGRATION_CHECKSUM_MISMATCH', migrationName: first.name });
      expect((error as Error).message).toContain('modified after it was applied');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rolls a failing migration back completely and records nothing for it', async () => {
    await applyMigrations(handle.db, committed);
    const dir = copyOfMigrations();
    try {
      const name = '29990101000000_broken';
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'migration.sql'), 'CREATE TABLE "half_done" ("id" INT);\nSELECT * FROM "no_such_table";\n');
      const error = await applyMigrations(handle.db, readMigrationsDirectory(dir).migrations).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationFailedError);
      expect(error).toMatchObject({ code: 'MIGRATION_FAILED', migrationName: name });
      expect(await handle.db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'")).toHaveLength(0);
      expect(await handle.db.query('SELECT 1 FROM _prisma_migrations WHERE migration_name = $1', [name])).toHaveLength(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies a migration marked no-transaction outside a transaction (CREATE INDEX CONCURRENTLY), with the same bookkeeping', async () => {
    await applyMigrations(handle.db, committed);
    const dir = copyOfMigrations();
    try {
      const name = '29990101000000_concurrent_index';
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'migration.sql'), `${NO_TRANSACTION_MARKER}\nCREATE INDEX CONCURRENTLY "agent_state_snapshots_run_idx" ON "agent_state_snapshots"("run_id");\n`);
      const result = await applyMigrations(handle.db, readMigrationsDirectory(dir).migrations);
      expect(result.applied).toEqual([name]);
      expect(await handle.db.query("SELECT 1 FROM pg_indexes WHERE indexname = 'agent_state_snapshots_run_idx'")).toHaveLength(1);
      expect(await handle.db.query('SELECT applied_steps_count, finished_at IS NOT NULL AS finished FROM _prisma_migrations WHERE migration_name = $1', [name])).toEqual([
        { applied_steps_count: 1, finished: true },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failing no-transaction migration stays recorded as failed, and the next run stops at it (as prisma migrate deploy does)', async () => {
    await applyMigrations(handle.db, committed);
    const dir = copyOfMigrations();
    try {
      const name = '29990101000000_broken_concurrent';
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'migration.sql'), `${NO_TRANSACTION_MARKER}\nCREATE INDEX CONCURRENTLY "x_idx" ON "no_such_table"("id");\n`);
      const migrations = readMigrationsDirectory(dir).migrations;
      const error = await applyMigrations(handle.db, migrations).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'MIGRATION_FAILED', migrationName: name, rolledBack: false });
      expect(await handle.db.query('SELECT 1 FROM _prisma_migrations WHERE migration_name = $1 AND finished_at IS NULL', [name])).toHaveLength(1);
      await expect(applyMigrations(handle.db, migrations)).rejects.toBeInstanceOf(FailedMigrationInHistoryError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

describe('migrator [pglite]', () => {
  contract(async () => {
    const pglite = await PGlite.create({ dataDir: 'memory://' });
    return { db: pgliteExecutor(pglite), close: () => pglite.close() };
  });
});

describeWithPostgresServer('migrator [postgresql]', () => {
  contract(async () => {
    const database = await createEmptyPostgresDatabase();
    const client = new Client({ connectionString: database.url });
    await client.connect();
    return {
      db: pgExecutor(client),
      close: async () => {
        await client.end();
        await database.drop();
      },
    };
  });
});

describeWithPostgresServer('migrator [postgresql, concurrent runners]', () => {
  it('two runners at once: every migration applied exactly once, both succeed, and no advisory lock is left behind', async () => {
    const database = await createEmptyPostgresDatabase();
    const clients = [new Client({ connectionString: database.url }), new Client({ connectionString: database.url }), new Client({ connectionString: database.url })];
    try {
      await Promise.all(clients.map((c) => c.connect()));
      const [a, b] = await Promise.all([applyMigrations(pgExecutor(clients[0]!), committed), applyMigrations(pgExecutor(clients[1]!), committed)]);
      expect([...a.applied, ...b.applied].sort()).toEqual(committed.map((m) => m.name).sort());
      const rows = await clients[2]!.query('SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY migration_name ORDER BY migration_name');
      expect(rows.rows).toEqual(committed.map((m) => ({ migration_name: m.name, n: 1 })));
      const locks = await clients[2]!.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
      expect(locks.rows[0]).toEqual({ n: 0 });
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      await database.drop();
    }
  });
});

import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { Client, Pool } from 'pg';
import { describeDatabase, resolveDatabaseConfig, type DatabaseConfig } from './config';
import { PrismaClient } from './generated/prisma/client';
import { pgExecutor, pgliteExecutor, type SqlExecutor } from './migrations/executor';
import { readMigrationsDirectory } from './migrations/files';
import { applyMigrations, type ApplyMigrationsResult } from './migrations/migrator';
import { migrationsDir } from './paths';
import { createSqlRunner, type PooledSqlRunner } from './sqlRunner';

export type { PooledSqlRunner, QueryOptions, SqlRunner } from './sqlRunner';

export interface DatabaseClient {
  prisma: PrismaClient;
  /**
   * PostgreSQL only: the pg pool under Prisma's adapter, for the few hot
   * statements that cannot afford Prisma's per-query overhead (the
   * state-persistence service's single-statement saves). Undefined on PGlite.
   */
  sql?: PooledSqlRunner;
  config: DatabaseConfig;
  /** "PostgreSQL at postgresql://…" or "embedded PGlite at …", password redacted */
  description: string;
  /** what the first-use migration did, when it ran */
  migrations: ApplyMigrationsResult | null;
  /** Disconnects Prisma and releases the pool or the embedded database. */
  close(): Promise<void>;
}

export interface CreatePrismaClientOptions {
  /** default: from the environment (DATABASE_URL, else PGlite where allowed) */
  config?: DatabaseConfig;
  /** Apply pending migrations before returning. Default: true for PGlite, false for PostgreSQL (run `pnpm db:migrate` there). */
  migrate?: boolean;
  /** PostgreSQL pool size (adapter-pg). Default: pg's default (10). */
  poolSize?: number;
  /**
   * How long a query may wait for a free pool connection (or a new one to
   * connect) before failing with a retryable error, instead of waiting for
   * ever. Default 10 000 ms.
   */
  poolTimeoutMs?: number;
  /**
   * Named prepared statements for db.sql's hot statements (parsed and planned
   * once per connection). Default: on, and safe behind a transaction-mode
   * pooler (PgBouncer < 1.21, most hosted poolers), which hands each
   * transaction some server connection where the name does not exist or
   * already exists: the first such error turns them off for this client and
   * the statement is sent again unnamed (see sqlRunner.ts). `false`, or
   * `?pgbouncer=true` in the URL (Prisma's convention), never sends them.
   * What they buy: `pnpm bench` (rows 4 and 4u, 5 and 5u).
   */
  preparedStatements?: boolean;
}

const DEFAULT_POOL_TIMEOUT_MS = 10_000;

/**
 * The one place that constructs Prisma clients. PostgreSQL through
 * @prisma/adapter-pg when DATABASE_URL is set; otherwise an embedded PGlite
 * database in a data folder, migrated on first use.
 */
export async function createPrismaClient(options: CreatePrismaClientOptions = {}): Promise<DatabaseClient> {
  const config = options.config ?? resolveDatabaseConfig();
  return config.provider === 'postgresql' ? openPostgres(config, options) : openPglite(config, options);
}

async function openPostgres(config: Extract<DatabaseConfig, { provider: 'postgresql' }>, options: CreatePrismaClientOptions): Promise<DatabaseClient> {
  const { url, pgbouncer } = readPoolerFlag(config.url);
  const migrations = options.migrate === true ? await migratePostgres(config.directUrl ?? url) : null;
  // One pool, owned here, shared by Prisma's adapter and the plain SQL runner.
  const pool = new Pool({
    connectionString: url,
    connectionTimeoutMillis: options.poolTimeoutMs ?? DEFAULT_POOL_TIMEOUT_MS,
    ...(options.poolSize ? { max: options.poolSize } : {}),
  });
  pool.on('error', () => undefined); // an idle client dropped by the server: the pool replaces it
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const sql = createSqlRunner(pool, { namedStatements: options.preparedStatements !== false && !pgbouncer });
  const close = async () => {
    await prisma.$disconnect();
    await pool.end();
  };
  return { prisma, sql, config, description: describeDatabase(config), migrations, close };
}

/** Prisma's `?pgbouncer=true` convention: read it (no named prepared statements) and keep it away from pg. */
export function readPoolerFlag(url: string): { url: string; pgbouncer: boolean } {
  const parsed = new URL(url);
  const flag = parsed.searchParams.get('pgbouncer');
  if (flag === null) return { url, pgbouncer: false };
  parsed.searchParams.delete('pgbouncer');
  return { url: parsed.toString(), pgbouncer: flag === 'true' };
}

/** The embedded database in `dataDir` (created if needed; `memory://` for in-memory). */
async function openPgliteDatabase(dataDir: string): Promise<PGlite> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  return PGlite.create({ dataDir });
}

async function openPglite(config: Extract<DatabaseConfig, { provider: 'pglite' }>, options: CreatePrismaClientOptions): Promise<DatabaseClient> {
  const pglite = await openPgliteDatabase(config.dataDir);
  try {
    const migrations = options.migrate === false ? null : await migrate(pgliteExecutor(pglite));
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    const close = async () => {
      await prisma.$disconnect();
      await pglite.close();
    };
    return { prisma, config, description: describeDatabase(config), migrations, close };
  } catch (error) {
    await pglite.close();
    throw error;
  }
}

/** Applies pending migrations from prisma/migrations through one executor. */
export function migrate(executor: SqlExecutor, dir: string = migrationsDir()): Promise<ApplyMigrationsResult> {
  return applyMigrations(executor, readMigrationsDirectory(dir).migrations);
}

/** Opens one connection to `url`, applies pending migrations, closes it. */
export async function migratePostgres(url: string, dir: string = migrationsDir()): Promise<ApplyMigrationsResult> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await migrate(pgExecutor(client), dir);
  } finally {
    await client.end();
  }
}

/** Opens the PGlite database in `dataDir`, applies pending migrations, closes it. */
export async function migratePglite(dataDir: string, dir: string = migrationsDir()): Promise<ApplyMigrationsResult> {
  const pglite = await openPgliteDatabase(dataDir);
  try {
    return await migrate(pgliteExecutor(pglite), dir);
  } finally {
    await pglite.close();
  }
}

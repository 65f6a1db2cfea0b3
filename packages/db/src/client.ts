import { createHash } from 'node:crypto';
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

/** Plain parameterized SQL on the same connection pool as Prisma ($1, $2, … placeholders). */
export interface SqlRunner {
  /**
   * `prepare: true` names the statement after its text, so each connection
   * parses and plans it once and then only binds and executes it. Use it only
   * for a fixed set of statement texts (each name lives as long as the connection).
   */
  query<Row = Record<string, unknown>>(text: string, values: readonly unknown[], options?: { prepare?: boolean }): Promise<Row[]>;
}

export interface DatabaseClient {
  prisma: PrismaClient;
  /**
   * PostgreSQL only: the pg pool under Prisma's adapter, for the few hot
   * statements that cannot afford Prisma's per-query overhead (the
   * state-persistence service's single-statement saves). Undefined on PGlite.
   */
  sql?: SqlRunner;
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
   * once per connection). Off by default: a transaction-mode pooler
   * (PgBouncer < 1.21, most hosted poolers) hands each transaction a different
   * server connection, where the name does not exist or already exists.
   * Turn it on only for direct connections; `?pgbouncer=true` in the URL
   * (Prisma's convention) always turns it off. What it buys: `pnpm bench`.
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
  const prepared = options.preparedStatements === true && !pgbouncer;
  const sql: SqlRunner = {
    async query<Row>(text: string, values: readonly unknown[], queryOptions: { prepare?: boolean } = {}) {
      const name = prepared && queryOptions.prepare ? statementName(text) : undefined;
      return (await pool.query({ text, values: values as unknown[], ...(name ? { name } : {}) })).rows as Row[];
    },
  };
  const close = async () => {
    await prisma.$disconnect();
    await pool.end();
  };
  return { prisma, sql, config, description: describeDatabase(config), migrations, close };
}

/** Named after the statement text: each connection prepares a given text once. */
function statementName(text: string): string {
  return `agentstate_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
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

/**
 * The clients every contender of one backend shares: one database, one Prisma
 * client, one service instance (as an application would have), one pg pool
 * for the raw contenders and, on PostgreSQL, LangGraph's saver with its own pool.
 */
import { createPrismaClient, type DatabaseClient, type PrismaClient } from '@agentstate/db';
import { createLogger } from '@agentstate/logger';
import { createStatePersistence, type StatePersistence } from '@agentstate/state-persistence';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { Writable } from 'node:stream';
import pg from 'pg';

/** Plain SQL for the raw contenders: a pg pool on PostgreSQL; on PGlite (no wire protocol) Prisma's raw query API. */
export interface SqlRunner {
  via: 'pg' | 'prisma-raw';
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

export interface Backend {
  kind: 'postgresql' | 'pglite';
  sql: SqlRunner;
  prisma: PrismaClient;
  service: StatePersistence;
  /** LangGraph's PostgresSaver; null on PGlite */
  saver: PostgresSaver | null;
  /** pool max of each client (1 on PGlite: one embedded connection) */
  poolSize: number;
  close(): Promise<void>;
}

/**
 * The service as production runs it (environment fixed to 'development' so
 * dev-temp- users are created), with the real winston JSON logger writing to a
 * sink: the audit lines are still formatted, only not printed over the table.
 */
function benchService(db: DatabaseClient): StatePersistence {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const logger = createLogger({ service: 'state-persistence', stream: sink });
  // db.sql (PostgreSQL): single-statement saves on the pool directly, as the README recommends.
  return createStatePersistence({ prisma: db.prisma, ...(db.sql ? { sql: db.sql } : {}), environment: 'development', logger });
}

/** Idle connections killed by DROP DATABASE … WITH (FORCE) must not crash the process with an unhandled 'error'. */
function quietPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  return pool;
}

export async function openPostgresBackend(url: string, poolSize: number): Promise<Backend> {
  const pool = quietPool(url, poolSize);
  const db = await createPrismaClient({ config: { provider: 'postgresql', url }, migrate: false, poolSize });
  const saver = new PostgresSaver(quietPool(url, poolSize));
  await saver.setup();
  return {
    kind: 'postgresql',
    sql: { via: 'pg', query: async <Row>(text: string, params: unknown[] = []) => (await pool.query(text, params)).rows as Row[] },
    prisma: db.prisma,
    service: benchService(db),
    saver,
    poolSize,
    async close() {
      await Promise.allSettled([pool.end(), db.close(), saver.end()]);
    },
  };
}

export async function openPgliteBackend(): Promise<Backend> {
  const db = await createPrismaClient({ config: { provider: 'pglite', dataDir: 'memory://' }, migrate: true });
  const prisma = db.prisma;
  return {
    kind: 'pglite',
    sql: { via: 'prisma-raw', query: <Row>(text: string, params: unknown[] = []) => prisma.$queryRawUnsafe<Row[]>(text, ...params) },
    prisma,
    service: benchService(db),
    saver: null,
    poolSize: 1,
    close: () => db.close(),
  };
}

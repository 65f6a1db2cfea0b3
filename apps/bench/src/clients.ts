/**
 * The clients every contender of one backend shares: one database, one Prisma
 * client, one service instance (as an application would have), one pg pool
 * for the raw contenders and, on PostgreSQL, LangGraph's saver with its own pool.
 */
import { createPrismaClient, statementName as serviceStatementName, type DatabaseClient, type PrismaClient } from '@agentstate/db';
import { createLogger } from '@agentstate/logger';
import { createStatePersistence, createTelemetry, type StatePersistence, type StatePersistenceOptions } from '@agentstate/state-persistence';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode } from '@opentelemetry/core';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { createAgentStateSaver, type AgentStateSaver } from '@agentstate/langgraph';
import { Writable } from 'node:stream';
import pg from 'pg';

/** Plain SQL for the raw contenders: a pg pool on PostgreSQL; on PGlite (no wire protocol) Prisma's raw query API. */
export interface SqlRunner {
  via: 'pg' | 'prisma-raw';
  /**
   * Without options: pg's unnamed statement (parsed and planned on every call).
   * `prepared: true`: a named prepared statement (pg's `{ name, text, values }`,
   * named after the text), parsed once per connection as the service's saves
   * are. pg only: Prisma's raw API has no named statements, so it throws there.
   */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[], options?: { prepared?: boolean }): Promise<Row[]>;
  /** `fn` on one connection between BEGIN and COMMIT (ROLLBACK if it throws). */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

export interface Backend {
  kind: 'postgresql' | 'pglite';
  sql: SqlRunner;
  prisma: PrismaClient;
  service: StatePersistence;
  /** variants of the same service for what one option costs or buys (see contenders/serviceVariants.ts) */
  variants: ServiceVariants;
  /** LangGraph's PostgresSaver; null on PGlite */
  saver: PostgresSaver | null;
  /** our LangGraph saver (@agentstate/langgraph), on both backends */
  agentSaver: AgentStateSaver;
  /** pool max of each client (1 on PGlite: one embedded connection) */
  poolSize: number;
  close(): Promise<void>;
}

/**
 * The service as production runs it (environment fixed to 'development' so
 * dev-temp- users are created), with the real winston JSON logger writing to a
 * sink: the audit lines are still formatted, only not printed over the table.
 */
function benchService(db: DatabaseClient, extra: Partial<StatePersistenceOptions> = {}): StatePersistence {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const logger = createLogger({ service: 'state-persistence', stream: sink });
  // db.sql (PostgreSQL): single-statement saves on the pool directly, as the README recommends.
  // growingState: false: the save scenarios rotate four fixed states per thread, so growing-state storage
  // would reuse nearly every element and store almost nothing: not like for like with the contenders that
  // write whole rows. Growing state is measured by its own scenario (scenarios/growingStorage.ts).
  return createStatePersistence({ prisma: db.prisma, ...(db.sql ? { sql: db.sql } : {}), environment: 'development', logger, growingState: false, ...extra });
}

/**
 * Our LangGraph saver as an application would open it: db.sql on PostgreSQL, dev users created, audit
 * lines to a sink; growingState: false by default for the reason given at benchService (the storage
 * scenario opens one with growing state).
 */
export function benchSaver(db: DatabaseClient, options: { growingState?: boolean } = {}): AgentStateSaver {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return createAgentStateSaver({
    prisma: db.prisma,
    ...(db.sql ? { sql: db.sql } : {}),
    environment: 'development',
    logger: createLogger({ service: 'langgraph-saver', stream: sink }),
    ...(options.growingState ? {} : { growingState: false as const }),
  });
}

export interface ServiceVariants {
  /** unnamed statements only, on a client of its own (preparedStatements: false, what a transaction-mode pooler gets; PostgreSQL only, else null) */
  unnamed: StatePersistence | null;
  /** every save sent on its own (groupCommit: false) */
  singleStatement: StatePersistence;
  /** an OpenTelemetry SDK registered for this service: metrics aggregated, spans batched to an exporter that drops them */
  traced: StatePersistence;
}

/** An SDK as an application would run one, minus the network: aggregation and span batching happen, export is dropped. */
export function benchTelemetry() {
  class NeverCollected extends MetricReader {
    protected async onForceFlush(): Promise<void> {}
    protected async onShutdown(): Promise<void> {}
  }
  const dropped: SpanExporter = { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => undefined };
  return createTelemetry({
    meterProvider: new MeterProvider({ readers: [new NeverCollected()] }),
    tracerProvider: new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropped)] }),
  });
}

async function variantsOf(db: DatabaseClient, unnamed: DatabaseClient | null): Promise<ServiceVariants> {
  return {
    unnamed: unnamed ? benchService(unnamed) : null,
    singleStatement: benchService(db, { groupCommit: false }),
    traced: benchService(db, { telemetry: benchTelemetry() }),
  };
}

/** Idle connections killed by DROP DATABASE … WITH (FORCE) must not crash the process with an unhandled 'error'. */
function quietPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  return pool;
}

/**
 * Named as the service's runner names its statements (db.sql) and, like it,
 * remembered per text: hashing the text on every call would charge the raw
 * contenders a cost the service does not pay. (Their pool is their own, so the
 * names never meet the service's connections.)
 */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = serviceStatementName(text);
    statementNames.set(text, name);
  }
  return name;
}

/** Runs on a pool (each query on any connection) or on one checked-out client (inside a transaction). */
function pgRunner(target: pg.Pool | pg.PoolClient, pool: pg.Pool): SqlRunner {
  return {
    via: 'pg',
    async query<Row>(text: string, params: unknown[] = [], options: { prepared?: boolean } = {}) {
      const config: pg.QueryConfig = options.prepared ? { name: statementName(text), text, values: params } : { text, values: params };
      return (await target.query(config)).rows as Row[];
    },
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      if (target !== pool) throw new Error('nested transaction');
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(pgRunner(client, pool));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

type RawQuery = <Row>(text: string, ...params: unknown[]) => Promise<Row>;

function prismaRawRunner(prisma: PrismaClient, raw: RawQuery, inTransaction: boolean): SqlRunner {
  return {
    via: 'prisma-raw',
    query<Row>(text: string, params: unknown[] = [], options: { prepared?: boolean } = {}) {
      if (options.prepared) throw new Error("named prepared statements need pg; Prisma's raw API has none");
      return raw<Row[]>(text, ...params);
    },
    transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      if (inTransaction) throw new Error('nested transaction');
      // Prisma's interactive transaction: BEGIN, the callback's statements on one connection, COMMIT.
      return prisma.$transaction((tx) => fn(prismaRawRunner(prisma, (text, ...params) => tx.$queryRawUnsafe(text, ...params), true)));
    },
  };
}

export async function openPostgresBackend(url: string, poolSize: number): Promise<Backend> {
  const pool = quietPool(url, poolSize);
  const db = await createPrismaClient({ config: { provider: 'postgresql', url }, migrate: false, poolSize });
  const unnamedDb = await createPrismaClient({ config: { provider: 'postgresql', url }, migrate: false, poolSize, preparedStatements: false });
  const saver = new PostgresSaver(quietPool(url, poolSize));
  await saver.setup();
  return {
    kind: 'postgresql',
    sql: pgRunner(pool, pool),
    prisma: db.prisma,
    service: benchService(db),
    variants: await variantsOf(db, unnamedDb),
    saver,
    agentSaver: benchSaver(db),
    poolSize,
    async close() {
      await Promise.allSettled([pool.end(), db.close(), unnamedDb.close(), saver.end()]);
    },
  };
}

export async function openPgliteBackend(): Promise<Backend> {
  const db = await createPrismaClient({ config: { provider: 'pglite', dataDir: 'memory://' }, migrate: true });
  const prisma = db.prisma;
  return {
    kind: 'pglite',
    sql: prismaRawRunner(prisma, (text, ...params) => prisma.$queryRawUnsafe(text, ...params), false),
    prisma,
    service: benchService(db),
    variants: await variantsOf(db, null),
    saver: null,
    agentSaver: benchSaver(db),
    poolSize: 1,
    close: () => db.close(),
  };
}

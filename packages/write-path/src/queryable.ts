import type { Prisma, PrismaClient, SqlRunner } from '@agentstate/db';

/**
 * Where a statement runs: through Prisma ($queryRaw; also an interactive
 * transaction's client) or, for the hot single-statement writes on
 * PostgreSQL, straight on the pg pool under Prisma's adapter (same
 * connections, none of Prisma's per-query overhead). Statements are built
 * with Prisma.sql either way, so parameters are always bound, never spliced.
 */
export interface Queryable {
  rows<T>(statement: Prisma.Sql): Promise<T[]>;
}

export function viaPrisma(db: Pick<PrismaClient, '$queryRaw'>): Queryable {
  return { rows: <T>(statement: Prisma.Sql) => db.$queryRaw<T[]>(statement) };
}

/**
 * Our statement texts are a small fixed set (values are always parameters),
 * so they are marked preparable; the runner prepares them only when the
 * client was opened with named prepared statements on (never behind a
 * transaction-mode pooler, see @agentstate/db).
 */
export function viaDriver(runner: SqlRunner): Queryable {
  return { rows: <T>(statement: Prisma.Sql) => runner.query<T>(statement.text, statement.values, { prepare: true }) };
}

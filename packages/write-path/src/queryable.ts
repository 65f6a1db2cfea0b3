import type { Prisma, PrismaClient, SqlRunner } from '@agentstate/db';

/**
 * Where a statement runs: through Prisma ($queryRaw; also an interactive
 * transaction's client) or, for the hot single-statement writes on
 * PostgreSQL, straight on the pg pool under Prisma's adapter (same
 * connections, none of Prisma's per-query overhead). Statements are built
 * with Prisma.sql either way, so parameters are always bound, never spliced.
 */
export interface Queryable {
  rows<T>(statement: Prisma.Sql, options?: RowOptions): Promise<T[]>;
}

export interface RowOptions {
  /**
   * Decodes the text columns named in `columns`, which must be the
   * statement's only text-typed columns: on the pg pool as each row arrives
   * (while the server still produces the next ones), through Prisma once the
   * rows are in. Null stays null.
   */
  decodeText?: { columns: readonly string[]; decode: (text: string) => unknown };
  /**
   * false: an unnamed statement on the pg pool, planned for its values on
   * every call, for a text whose generic plan could pick the wrong index.
   * Default: named prepared (when the client allows it).
   */
  prepare?: boolean;
}

export function viaPrisma(db: Pick<PrismaClient, '$queryRaw'>): Queryable {
  return {
    async rows<T>(statement: Prisma.Sql, options?: RowOptions) {
      const rows = await db.$queryRaw<T[]>(statement);
      const decodeText = options?.decodeText;
      if (decodeText) {
        for (const row of rows as Array<Record<string, unknown>>) {
          for (const column of decodeText.columns) if (typeof row[column] === 'string') row[column] = decodeText.decode(row[column]);
        }
      }
      return rows;
    },
  };
}

/**
 * Our statement texts are a small fixed set (values are always parameters),
 * so they are marked preparable; the runner prepares them only when the
 * client was opened with named prepared statements on (never behind a
 * transaction-mode pooler, see @agentstate/db).
 */
export function viaDriver(runner: SqlRunner): Queryable {
  return {
    rows: <T>(statement: Prisma.Sql, options?: RowOptions) =>
      runner.query<T>(statement.text, statement.values, {
        prepare: options?.prepare !== false,
        ...(options?.decodeText ? { parseText: options.decodeText.decode } : {}),
      }),
  };
}

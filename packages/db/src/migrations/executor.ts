import type { PGlite } from '@electric-sql/pglite';
import type { Client } from 'pg';

/**
 * The few things the migrator needs from a database connection. One
 * connection, not a pool: BEGIN/COMMIT and the advisory lock must land on
 * the same session.
 */
export interface SqlExecutor {
  query<Row extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements (simple query protocol, no parameters). */
  exec(script: string): Promise<void>;
}

export function pgExecutor(client: Client): SqlExecutor {
  return {
    async query<Row extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as Row[];
    },
    async exec(script: string) {
      await client.query(script);
    },
  };
}

export function pgliteExecutor(db: PGlite): SqlExecutor {
  return {
    async query<Row extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await db.query<Row>(sql, params)).rows;
    },
    async exec(script: string) {
      await db.exec(script);
    },
  };
}

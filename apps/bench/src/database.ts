/**
 * A fresh database per run on the PostgreSQL server, migrated with the
 * project's own migrator, dropped at the end (also on failure and on Ctrl-C),
 * so runs never see each other's rows and never leave anything behind.
 *
 * The server is BENCH_DATABASE_URL, else the local one. Never DATABASE_URL:
 * that is the user's own database (the application's), and a benchmark that
 * creates databases and loads a couple of CPUs has no business there.
 */
import { migratePostgres, runAdminStatement, withDatabase } from '@agentstate/db';
import { randomBytes } from 'node:crypto';

export const DEFAULT_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
export const BENCH_DATABASE_PREFIX = 'agentstate_bench_';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** BENCH_DATABASE_URL, else the local server; DATABASE_URL is deliberately ignored. */
export function serverUrl(env: Record<string, string | undefined> = process.env): string {
  return env.BENCH_DATABASE_URL?.trim() || DEFAULT_SERVER_URL;
}

export async function createBenchDatabase(server: string): Promise<BenchDatabase> {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const name = `${BENCH_DATABASE_PREFIX}${stamp}_${randomBytes(3).toString('hex')}`;
  await runAdminStatement(server, `CREATE DATABASE "${name}"`);
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    // FORCE: a pool that failed to close must not keep the database alive.
    await runAdminStatement(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  };
  const url = withDatabase(server, name);
  try {
    await migratePostgres(url);
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, url, drop };
}

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { runAdminStatement, withDatabase } from '../admin';
import { createPrismaClient } from '../client';
import { redactUrl } from '../config';
import type { TestDatabase } from './types';

export const DEFAULT_TEST_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * The server tests create (and drop) their databases on: TEST_DATABASE_URL,
 * else the local one. Never DATABASE_URL: that is the user's own database.
 */
export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL?.trim() || DEFAULT_TEST_SERVER_URL;
}

let availability: { available: true } | { available: false; reason: string } | undefined;

/**
 * Whether the PostgreSQL test server answers. Synchronous (a child process)
 * so that test files can decide at collection time whether to run or skip.
 */
export function postgresAvailability(): { available: true } | { available: false; reason: string } {
  if (availability) return availability;
  const script = `const { Client } = require('pg');
    const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query('select 1')).then(() => c.end()).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`;
  const probe = spawnSync(process.execPath, ['-e', script, testServerUrl()], {
    cwd: __dirname,
    encoding: 'utf8',
    timeout: 10_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  availability =
    probe.status === 0
      ? { available: true }
      : { available: false, reason: `PostgreSQL at ${redactUrl(testServerUrl())} is not reachable (${(probe.stderr || probe.error?.message || 'no answer').trim().split('\n')[0]})` };
  return availability;
}

/** An empty database (no migrations) on the test server, for migrator tests. */
export async function createEmptyPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = testServerUrl();
  const name = `agentstate_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await runAdminStatement(server, `CREATE DATABASE "${name}"`);
  return { url: withDatabase(server, name), drop: () => runAdminStatement(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** A brand-new, migrated database on the test server, dropped again by close(). */
export async function createTestPostgres(options: { migrate?: boolean; poolSize?: number; poolTimeoutMs?: number } = {}): Promise<TestDatabase> {
  const database = await createEmptyPostgresDatabase();
  try {
    const client = await createPrismaClient({
      config: { provider: 'postgresql', url: database.url },
      migrate: options.migrate ?? true,
      ...(options.poolSize ? { poolSize: options.poolSize } : {}),
      ...(options.poolTimeoutMs ? { poolTimeoutMs: options.poolTimeoutMs } : {}),
    });
    return {
      ...client,
      kind: 'postgresql',
      url: database.url,
      close: async () => {
        await client.close();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

import { checkProcessRegistry } from '@agentstate/jest-config/processes';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { collectFigures, latestFile, runMeta, writeLatest, type Figure } from './figures';

/** Sections in the order the README lists them. */
const ORDER = ['concurrency', 'pooler', 'busyThread', 'restart', 'upgrade', 'productionBoundary', 'environmentSpoofing', 'badInput', 'auditDurability'];

/**
 * The headline: acknowledged saves that a fresh connection could not read
 * afterwards, in the scenarios that check exactly that (after the server
 * restarts; after the mixed workload behind PgBouncer; after each migration
 * applied under a stream of saves). The load scenarios'
 * read-back through the same service is reported per scenario, not here.
 */
function rowsLost(figures: Figure[]): Figure | null {
  let acknowledged = 0;
  let lost = 0;
  const scenarios: string[] = [];
  for (const f of figures) {
    const v = f.values;
    if (f.key.startsWith('restart.') && typeof v.acknowledged === 'number' && typeof v.acknowledgedLost === 'number') {
      acknowledged += v.acknowledged;
      lost += v.acknowledgedLost;
      scenarios.push('after 2 server restarts');
    } else if (f.key.startsWith('upgrade.') && typeof v.acknowledged === 'number' && typeof v.acknowledgedLost === 'number') {
      acknowledged += v.acknowledged;
      lost += v.acknowledgedLost;
      if (!scenarios.includes('during migrations under load')) scenarios.push('during migrations under load');
    } else if (f.key.startsWith('pooler.') && f.key.endsWith('.mixed') && typeof v.expected === 'number' && typeof v.lost === 'number') {
      acknowledged += v.expected;
      lost += v.lost;
      scenarios.push(`behind PgBouncer (${String(v.mode)} mode)`);
    }
  }
  if (scenarios.length === 0) return null;
  return {
    key: 'zz.rowsLost',
    summary: `rows lost: ${lost} of ${acknowledged} acknowledged saves not found by a fresh connection afterwards (${scenarios.join('; ')})`,
    values: { acknowledged, lost, scenarios: scenarios.length },
  };
}

const rank = (f: Figure) => {
  const i = ORDER.indexOf(f.key.split('.')[0] ?? '');
  return i === -1 ? ORDER.length : i;
};

// Jest loads the global teardown without the workspace's `@agentstate/source` condition, so it cannot import
// @agentstate/db/testing (built output only): the test server's URL and PgBouncer's places as that module has them.
const testServerUrl = () => process.env.TEST_DATABASE_URL?.trim() || 'postgresql://postgres@127.0.0.1:5432/postgres';
const PGBOUNCER = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

async function postgresVersion(): Promise<string> {
  const client = new Client({ connectionString: testServerUrl(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
  } catch (error) {
    return `unreachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function pgbouncerVersion(): string | null {
  const binary = PGBOUNCER.find((p) => existsSync(p));
  if (!binary) return null;
  return spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim() || 'unknown';
}

/** What the run was limited to (`jest <path>`, `-t <name>`), or null for the whole suite. */
function selectionOf(config: { testPathPatterns?: { patterns?: string[] }; testNamePattern?: string } | undefined): string | null {
  const parts = [...(config?.testPathPatterns?.patterns ?? []), ...(config?.testNamePattern ? [`-t ${config.testNamePattern}`] : [])];
  return parts.length ? parts.join(' ') : null;
}

/**
 * Runs once after every test file: merges the figures, writes results/latest.json (with the run's meta), prints one
 * line per figure; then the shared check that no process the tests started (PgBouncer, the restart tests'
 * PostgreSQL) is still alive.
 */
export default async function globalTeardown(globalConfig?: Parameters<typeof selectionOf>[0]): Promise<void> {
  const figures = collectFigures().sort((a, b) => rank(a) - rank(b) || a.key.localeCompare(b.key));
  const total = rowsLost(figures);
  if (total) figures.push(total);
  if (figures.length === 0) {
    // e.g. only the page generator's own test ran: keep the last run's file
    process.stdout.write(`\nreliability: no figures recorded, ${latestFile} left as it was\n`);
  } else {
    writeLatest(figures, runMeta({ postgres: await postgresVersion(), pgbouncer: pgbouncerVersion(), selection: selectionOf(globalConfig) }));
    const lines = figures.map((f) => `reliability: ${f.summary}`);
    process.stdout.write(`\n${lines.join('\n')}\nreliability: ${figures.length} figures written to ${latestFile}\n`);
  }
  await checkProcessRegistry();
}

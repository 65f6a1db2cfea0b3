import { checkProcessRegistry } from '@agentstate/jest-config/processes';
import { collectFigures, latestFile, writeLatest, type Figure } from './figures';

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

/**
 * Runs once after every test file: merges the figures, writes results/latest.json, prints one line per figure;
 * then the shared check that no process the tests started (PgBouncer, the restart tests' PostgreSQL) is still alive.
 */
export default async function globalTeardown(): Promise<void> {
  const figures = collectFigures().sort((a, b) => rank(a) - rank(b) || a.key.localeCompare(b.key));
  const total = rowsLost(figures);
  if (total) figures.push(total);
  writeLatest(figures, { node: process.version, platform: `${process.platform}-${process.arch}` });
  const lines = figures.map((f) => `reliability: ${f.summary}`);
  process.stdout.write(`\n${lines.join('\n')}\nreliability: ${figures.length} figures written to ${latestFile}\n`);
  await checkProcessRegistry();
}

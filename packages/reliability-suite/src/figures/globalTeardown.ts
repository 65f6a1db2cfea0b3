import { collectFigures, latestFile, writeLatest, type Figure } from './figures';

/** Sections in the order the README lists them. */
const ORDER = ['concurrency', 'restart', 'productionBoundary', 'environmentSpoofing', 'badInput', 'auditDurability'];

/** The headline: acknowledged writes that were not there afterwards, over every load and fault scenario that ran. */
function rowsLost(figures: Figure[]): Figure | null {
  let acknowledged = 0;
  let lost = 0;
  let scenarios = 0;
  for (const f of figures) {
    const v = f.values;
    if (f.key.startsWith('concurrency.') && typeof v.acknowledged === 'number' && typeof v.readBack === 'number') {
      acknowledged += v.acknowledged;
      lost += v.acknowledged - v.readBack;
      scenarios++;
    } else if (f.key.startsWith('restart.') && typeof v.acknowledged === 'number' && typeof v.acknowledgedLost === 'number') {
      acknowledged += v.acknowledged;
      lost += v.acknowledgedLost;
      scenarios++;
    }
  }
  if (scenarios === 0) return null;
  return { key: 'zz.rowsLost', summary: `rows lost: ${lost} of ${acknowledged} acknowledged saves across ${scenarios} load and restart scenarios`, values: { acknowledged, lost, scenarios } };
}

const rank = (f: Figure) => {
  const i = ORDER.indexOf(f.key.split('.')[0] ?? '');
  return i === -1 ? ORDER.length : i;
};

/** Runs once after every test file: merges the figures, writes results/latest.json, prints one line per figure. */
export default function globalTeardown(): void {
  const figures = collectFigures().sort((a, b) => rank(a) - rank(b) || a.key.localeCompare(b.key));
  const total = rowsLost(figures);
  if (total) figures.push(total);
  writeLatest(figures, { node: process.version, platform: `${process.platform}-${process.arch}` });
  const lines = figures.map((f) => `reliability: ${f.summary}`);
  process.stdout.write(`\n${lines.join('\n')}\nreliability: ${figures.length} figures written to ${latestFile}\n`);
}

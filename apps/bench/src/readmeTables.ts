/**
 * The README's Performance tables, from a results file of `pnpm bench`, so
 * every figure there comes from a run anyone can repeat:
 *   pnpm --filter @agentstate/bench run readme-tables [-- results/latest.json]
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { warmupNote } from './report';
import type { BenchReport, Scenario, ScenarioRow } from './results';
import { formatDeltaChannel } from './scenarios/deltaChannel';

const fixed = (n: number, digits: number) => n.toFixed(digits);
const ratio = (s: { median: number; min: number; max: number }) => `${fixed(s.median, 2)}x (${fixed(s.min, 2)}–${fixed(s.max, 2)})`;

function row(scenario: Scenario | undefined, id: string): ScenarioRow | undefined {
  return scenario?.results.find((r) => r.id === id);
}

/** One line per save contender: median ms at 1 client, ops/s at many, each with its ratio to the yardstick. */
export function saveTable(report: BenchReport): string {
  const saves = report.scenarios.filter((s) => s.kind === 'save' && s.backend === 'postgresql');
  const columns = saves.map((s) => ({ scenario: s, head: `${s.payload}, ${s.concurrency} client${s.concurrency === 1 ? '' : 's'}: ${s.concurrency === 1 ? 'median ms' : 'ops/s'} (x yardstick)` }));
  const ids = [...new Set(saves.flatMap((s) => s.results.map((r) => r.id)))];
  const lines = [`| save contender | ${columns.map((c) => c.head).join(' | ')} | stored B/snapshot (100 KB) |`, `| --- |${columns.map(() => ' ---: |').join('')} ---: |`];
  const large = saves.find((s) => s.concurrency === 1 && s.payload === report.meta.payloads.at(-1)?.label);
  for (const id of ids) {
    const label = saves.map((s) => row(s, id)?.label).find(Boolean) ?? id;
    const cells = columns.map(({ scenario }) => {
      const r = row(scenario, id);
      if (!r) return 'n/a';
      return scenario.concurrency === 1 ? `${fixed(r.summary.medianMs, 3)} (${ratio(r.vsBaselineMedianMs)})` : `${Math.round(r.summary.opsPerSec)} (${ratio(r.vsBaselineOpsPerSec)})`;
    });
    const stored = row(large, id)?.storage?.onDiskBytesPerRow;
    lines.push(`| ${label} | ${cells.join(' | ')} | ${stored === undefined ? 'n/a' : stored.toLocaleString('en-US')} |`);
  }
  return lines.join('\n');
}

export function growthTable(report: BenchReport): string {
  const lines = ['| reader | median ms, smallest history | median ms, largest | largest / smallest |', '| --- | ---: | ---: | ---: |'];
  for (const g of report.growth) {
    lines.push(`| ${g.label} (${g.smallRows.toLocaleString('en-US')} -> ${g.largeRows.toLocaleString('en-US')} rows) | ${fixed(g.smallMedianMs, 3)} | ${fixed(g.largeMedianMs, 3)} | ${ratio(g.spread)} |`);
  }
  return lines.join('\n');
}

export function targetTable(report: BenchReport): string {
  const lines = ['| target | measured: median (min–max over rounds) | goal | result |', '| --- | ---: | ---: | --- |'];
  for (const t of report.targets) {
    const verdict = `${t.pass ? 'pass' : 'miss'}${t.conclusive ? '' : ', not conclusive'}`;
    const floors = [...t.detail.matchAll(/; (\S+) on the same measure: ([\d.]+x)/g)].map((m) => `; ${m[1]} on the same measure: ${m[2]}`).join('');
    lines.push(`| ${t.description}${floors} | ${fixed(t.value, 2)}x (${fixed(t.min, 2)}–${fixed(t.max, 2)}) | ${t.comparison} ${t.threshold}x | ${verdict} |`);
  }
  return lines.join('\n');
}

export function readmeTables(report: BenchReport): string {
  const m = report.meta;
  return [
    `Run of ${m.startedAt} (${m.mode}, ${Math.round(m.wallSeconds)} s): Node ${m.node}, ${m.cpus} CPUs, load average ${m.loadAverage.map((l) => fixed(l, 1)).join(' ')}, PostgreSQL ${m.postgres}, pools of ${m.poolSize}${warmupNote(m.jitWarmupOps)}.`,
    '',
    saveTable(report),
    '',
    growthTable(report),
    '',
    ...(report.deltaChannel ? [...formatDeltaChannel(report.deltaChannel), ''] : []),
    targetTable(report),
  ].join('\n');
}

if (require.main === module) {
  const file = process.argv.slice(2).find((a) => a !== '--') ?? path.join(__dirname, '..', 'results', 'latest.json');
  if (!existsSync(file)) {
    console.error(`readme-tables: no results file at ${file}; run \`pnpm bench\` first (it writes results/latest.json), or pass a results file`);
    process.exit(2);
  }
  console.log(readmeTables(JSON.parse(readFileSync(file, 'utf8')) as BenchReport));
}

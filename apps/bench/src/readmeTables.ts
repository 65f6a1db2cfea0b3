/**
 * The README's Performance tables, from a results file of `pnpm bench`, so
 * every figure there comes from a run anyone can repeat:
 *   pnpm --filter @agentstate/bench run readme-tables [-- results/latest.json]
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { achievedText, distanceText, linkActivityText, warmupNote } from './report';
import type { BenchReport, Scenario, ScenarioRow } from './results';
import { formatDeltaChannel } from './scenarios/deltaChannel';
import { formatReadCost } from './scenarios/readCost';

const fixed = (n: number, digits: number) => n.toFixed(digits);
const ratio = (s: { median: number; min: number; max: number }) => `${fixed(s.median, 2)}x (${fixed(s.min, 2)}–${fixed(s.max, 2)})`;

function row(scenario: Scenario | undefined, id: string): ScenarioRow | undefined {
  return scenario?.results.find((r) => r.id === id);
}

const atDistance = (s: Scenario, rttMs: number) => (s.rttMs ?? 0) === rttMs;
const trips = (r: ScenarioRow | undefined) => (r?.roundTripsPerOp === null || r?.roundTripsPerOp === undefined ? 'n/a' : fixed(r.roundTripsPerOp, 2));

/**
 * One line per save contender at one distance: median ms at 1 client, ops/s at many, each with its ratio to the
 * yardstick, and the round trips of one operation (1 client, first payload).
 */
export function saveTable(report: BenchReport, rttMs = 0): string {
  const saves = report.scenarios.filter((s) => s.kind === 'save' && s.backend === 'postgresql' && atDistance(s, rttMs));
  const columns = saves.map((s) => ({ scenario: s, head: `${s.payload}, ${s.concurrency} client${s.concurrency === 1 ? '' : 's'}: ${s.concurrency === 1 ? 'median ms' : 'ops/s'} (x yardstick)` }));
  const ids = [...new Set(saves.flatMap((s) => s.results.map((r) => r.id)))];
  const counted = saves.find((s) => s.concurrency === 1 && s.payload === report.meta.payloads[0]?.label);
  const lines = [`| save contender | round trips/op | ${columns.map((c) => c.head).join(' | ')} | stored B/snapshot (100 KB) |`, `| --- | ---: |${columns.map(() => ' ---: |').join('')} ---: |`];
  const large = saves.find((s) => s.concurrency === 1 && s.payload === report.meta.payloads.at(-1)?.label);
  for (const id of ids) {
    const label = saves.map((s) => row(s, id)?.label).find(Boolean) ?? id;
    const cells = columns.map(({ scenario }) => {
      const r = row(scenario, id);
      if (!r) return 'n/a';
      return scenario.concurrency === 1 ? `${fixed(r.summary.medianMs, 3)} (${ratio(r.vsBaselineMedianMs)})` : `${Math.round(r.summary.opsPerSec)} (${ratio(r.vsBaselineOpsPerSec)})`;
    });
    const stored = row(large, id)?.storage?.onDiskBytesPerRow;
    lines.push(`| ${label} | ${trips(row(counted, id))} | ${cells.join(' | ')} | ${stored === undefined ? 'n/a' : stored.toLocaleString('en-US')} |`);
  }
  return lines.join('\n');
}

/** The reads at a distance, at the largest history level: median ms, ratio to the raw SELECT, round trips. */
export function readTable(report: BenchReport, rttMs: number): string {
  const reads = report.scenarios.filter((s) => s.kind !== 'save' && atDistance(s, rttMs));
  const rows = Math.max(...reads.map((s) => s.historyRows ?? 0));
  const lines = [`| reader (${rows.toLocaleString('en-US')} rows, 1 client) | round trips/op | median ms | x raw SELECT: median ms |`, '| --- | ---: | ---: | ---: |'];
  for (const s of reads.filter((x) => x.historyRows === rows)) {
    for (const r of s.results) lines.push(`| ${r.label} | ${trips(r)} | ${fixed(r.summary.medianMs, 3)} | ${ratio(r.vsBaselineMedianMs)} |`);
  }
  return lines.join('\n');
}

/** What each link added (SELECT 1 through it and direct) and what it cost. */
export function linkLines(report: BenchReport): string {
  return (report.links ?? [])
    .map(
      (l) =>
        `- ${l.rttMs} ms link (link process: ${l.scheduling}): ${l.achieved.map((a) => `${a.when}, ${achievedText(a)}`).join('; ')}. ` +
        `Over its scenarios' recorded rounds: ${linkActivityText(l.activity, l.rttMs / 2)}.`,
    )
    .join('\n');
}

export function growthTable(report: BenchReport): string {
  const lines = ['| reader | median ms, smallest history | median ms, largest | largest / smallest |', '| --- | ---: | ---: | ---: |'];
  for (const g of report.growth) {
    lines.push(`| ${g.label} (${g.smallRows.toLocaleString('en-US')} -> ${g.largeRows.toLocaleString('en-US')} rows) | ${fixed(g.smallMedianMs, 3)} | ${fixed(g.largeMedianMs, 3)} | ${ratio(g.spread)} |`);
  }
  return lines.join('\n');
}

export function targetTable(report: BenchReport): string {
  const lines = ['| at | target | measured: median (min–max over rounds) | goal | result |', '| --- | --- | ---: | ---: | --- |'];
  for (const t of report.targets) {
    const verdict = `${t.pass ? 'pass' : 'miss'}${t.conclusive ? '' : ', not conclusive'}`;
    const floors = [...t.detail.matchAll(/; (\S+) on the same measure: ([\d.]+x)/g)].map((m) => `; ${m[1]} on the same measure: ${m[2]}`).join('');
    const roundTrips = /; (round trips\/op: \S+ vs \S+)/.exec(t.detail)?.[1];
    lines.push(`| ${distanceText(t.rttMs)} | ${t.description}${floors}${roundTrips ? `; ${roundTrips}` : ''} | ${fixed(t.value, 2)}x (${fixed(t.min, 2)}–${fixed(t.max, 2)}) | ${t.comparison} ${t.threshold}x | ${verdict} |`);
  }
  return lines.join('\n');
}

export function readmeTables(report: BenchReport): string {
  const m = report.meta;
  const rtts = m.rtts ?? [0];
  const out = [
    `Run of ${m.startedAt} (${m.mode}, ${Math.round(m.wallSeconds)} s, distances ${rtts.map(distanceText).join(' and ')}): Node ${m.node}, ${m.cpus} CPUs, load average ${m.loadAverage.map((l) => fixed(l, 1)).join(' ')}, PostgreSQL ${m.postgres}, pools of ${m.poolSize}${warmupNote(m.jitWarmupOps)}.`,
  ];
  if (report.links?.length) out.push('', linkLines(report));
  // --only reads: the read-cost table and its targets, nothing else was measured.
  if (m.only === 'reads') return [...out, '', ...(report.readCost ? formatReadCost(report.readCost) : []), '', targetTable(report)].join('\n');
  for (const rttMs of rtts) {
    out.push('', `Saves at ${rttMs ? `${rttMs} ms of round trip (through the link)` : 'loopback'}:`, '', saveTable(report, rttMs));
    if (rttMs > 0) out.push('', `Reads at ${rttMs} ms of round trip:`, '', readTable(report, rttMs));
  }
  if (rtts.includes(0)) out.push('', 'Read cost growth with history size (loopback):', '', growthTable(report));
  if (report.deltaChannel) out.push('', ...formatDeltaChannel(report.deltaChannel));
  if (report.readCost) out.push('', ...formatReadCost(report.readCost));
  out.push('', targetTable(report));
  return out.join('\n');
}

if (require.main === module) {
  const file = process.argv.slice(2).find((a) => a !== '--') ?? path.join(__dirname, '..', 'results', 'latest.json');
  if (!existsSync(file)) {
    console.error(`readme-tables: no results file at ${file}; run \`pnpm bench\` first (it writes results/latest.json), or pass a results file`);
    process.exit(2);
  }
  console.log(readmeTables(JSON.parse(readFileSync(file, 'utf8')) as BenchReport));
}

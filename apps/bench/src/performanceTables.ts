/**
 * The tables of docs/performance.md, from a results file of `pnpm bench`, so
 * every figure there comes from a run anyone can repeat:
 *   pnpm --filter @agentstate/bench run performance-tables [-- results/latest.json]           prints them
 *   pnpm --filter @agentstate/bench run performance-tables -- --write [results/latest.json]   copies the file to
 *     docs/results/performance.json and replaces the page's block with its tables
 * The committed copy lets a test check that the page and the file cannot drift apart.
 */
import { blockMarkers, generatedBlock as blockOf, replaceGeneratedBlock as replaceBlock } from '@agentstate/spec-check';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { achievedText, distanceText, linkActivityText, warmupNote } from './report';
import type { BenchReport, Scenario, ScenarioRow } from './results';
import { formatDeltaChannel } from './scenarios/deltaChannel';
import { formatGrowingStorage } from './scenarios/growingStorage';
import { formatReadCost } from './scenarios/readCost';
import { spreadText } from './stats';

/** How each generated table starts (the page's check looks for them). */
export const TABLE_HEADS = {
  saves: '| save contender |',
  reads: '| reader (',
  growth: '| reader | median ms, smallest history | median ms, largest | largest / smallest |',
  targets: '| at | target | measured: median (min–max over rounds) | goal | result |',
} as const;

/** The page, the committed results file its block is generated from, and the markers around that block. */
export const PERFORMANCE_PAGE = path.join(__dirname, '..', '..', '..', 'docs', 'performance.md');
export const PERFORMANCE_RESULTS = path.join(__dirname, '..', '..', '..', 'docs', 'results', 'performance.json');
const MARKERS = blockMarkers('performance-tables');
export const BEGIN_MARKER = MARKERS.begin;
export const END_MARKER = MARKERS.end;

/** The generated block of a page (between the markers), or an error when the markers are not there exactly once, in order. */
export function generatedBlock(page: string): string {
  return blockOf(page, MARKERS);
}

/** The page with its generated block replaced; everything outside the markers unchanged. */
export function replaceGeneratedBlock(page: string, tables: string): string {
  return replaceBlock(page, MARKERS, tables);
}

const fixed = (n: number, digits: number) => n.toFixed(digits);

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
  const largest = report.meta.payloads.at(-1)?.label;
  const lines = [`${TABLE_HEADS.saves} round trips/op | ${columns.map((c) => c.head).join(' | ')} | stored B/snapshot (${largest ?? 'n/a'}) |`, `| --- | ---: |${columns.map(() => ' ---: |').join('')} ---: |`];
  const large = saves.find((s) => s.concurrency === 1 && s.payload === largest);
  for (const id of ids) {
    const label = saves.map((s) => row(s, id)?.label).find(Boolean) ?? id;
    const cells = columns.map(({ scenario }) => {
      const r = row(scenario, id);
      if (!r) return 'n/a';
      return scenario.concurrency === 1 ? `${fixed(r.summary.medianMs, 3)} (${spreadText(r.vsBaselineMedianMs)})` : `${Math.round(r.summary.opsPerSec)} (${spreadText(r.vsBaselineOpsPerSec)})`;
    });
    const stored = row(large, id)?.storage?.onDiskBytesPerRow;
    lines.push(`| ${label} | ${trips(row(counted, id))} | ${cells.join(' | ')} | ${stored === undefined ? 'n/a' : stored.toLocaleString('en-US')} |`);
  }
  return lines.join('\n');
}

const isRead = (s: Scenario) => String(s.kind).startsWith('read-');

/** The reads at a distance, at the largest history level: median ms, ratio to the raw SELECT, round trips. */
export function readTable(report: BenchReport, rttMs: number): string {
  const reads = report.scenarios.filter((s) => isRead(s) && atDistance(s, rttMs));
  const rows = Math.max(...reads.map((s) => s.historyRows ?? 0));
  const lines = [`${TABLE_HEADS.reads}${rows.toLocaleString('en-US')} rows, 1 client) | round trips/op | median ms | x raw SELECT: median ms |`, '| --- | ---: | ---: | ---: |'];
  for (const s of reads.filter((x) => x.historyRows === rows)) {
    for (const r of s.results) lines.push(`| ${r.label} | ${trips(r)} | ${fixed(r.summary.medianMs, 3)} | ${spreadText(r.vsBaselineMedianMs)} |`);
  }
  return lines.join('\n');
}

/**
 * Scenarios of any other kind (added after this generator was written), one table per kind, so that a new kind
 * shows on the page instead of breaking it or vanishing: every contender of every scenario with its round trips,
 * median, ops/s and ratio to the scenario's baseline.
 */
export function otherScenarioTables(report: BenchReport): string[] {
  const others = report.scenarios.filter((s) => s.kind !== 'save' && !isRead(s));
  const out: string[] = [];
  for (const kind of [...new Set(others.map((s) => String(s.kind)))]) {
    out.push('', `Scenarios of kind \`${kind}\`:`, '');
    const lines = ['| scenario | contender | round trips/op | median ms | ops/s | x baseline: median ms |', '| --- | --- | ---: | ---: | ---: | ---: |'];
    for (const s of others.filter((x) => String(x.kind) === kind)) {
      for (const r of s.results) {
        lines.push(`| ${s.key} | ${r.label} | ${trips(r)} | ${fixed(r.summary.medianMs, 3)} | ${Math.round(r.summary.opsPerSec)} | ${r.vsBaselineMedianMs ? spreadText(r.vsBaselineMedianMs) : 'n/a'} |`);
      }
    }
    out.push(lines.join('\n'));
  }
  return out;
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
  const lines = [TABLE_HEADS.growth, '| --- | ---: | ---: | ---: |'];
  for (const g of report.growth ?? []) {
    lines.push(`| ${g.label} (${g.smallRows.toLocaleString('en-US')} -> ${g.largeRows.toLocaleString('en-US')} rows) | ${fixed(g.smallMedianMs, 3)} | ${fixed(g.largeMedianMs, 3)} | ${spreadText(g.spread)} |`);
  }
  return lines.join('\n');
}

export function targetTable(report: BenchReport): string {
  const lines = [TABLE_HEADS.targets, '| --- | --- | ---: | ---: | --- |'];
  for (const t of report.targets ?? []) {
    const verdict = `${t.pass ? 'pass' : 'miss'}${t.conclusive ? '' : ', not conclusive'}`;
    const floors = [...t.detail.matchAll(/; (\S+) on the same measure: ([\d.]+x)/g)].map((m) => `; ${m[1]} on the same measure: ${m[2]}`).join('');
    const roundTrips = /; (round trips\/op: \S+ vs \S+)/.exec(t.detail)?.[1];
    lines.push(`| ${distanceText(t.rttMs)} | ${t.description}${floors}${roundTrips ? `; ${roundTrips}` : ''} | ${fixed(t.value, 2)}x (${fixed(t.min, 2)}–${fixed(t.max, 2)}) | ${t.comparison} ${t.threshold}x | ${verdict} |`);
  }
  return lines.join('\n');
}

export function performanceTables(report: BenchReport): string {
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
  if (rtts.includes(0) && report.growth?.length) out.push('', 'Read cost growth with history size (loopback):', '', growthTable(report));
  out.push(...otherScenarioTables(report));
  if (report.deltaChannel) out.push('', ...formatDeltaChannel(report.deltaChannel));
  if (report.growingStorage) out.push('', ...formatGrowingStorage(report.growingStorage));
  if (report.readCost) out.push('', ...formatReadCost(report.readCost));
  out.push('', targetTable(report));
  return out.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const write = args.includes('--write');
  const file = args.find((a) => a !== '--write') ?? path.join(__dirname, '..', 'results', 'latest.json');
  if (!existsSync(file)) {
    console.error(`performance-tables: no results file at ${file}; run \`pnpm bench\` first (it writes results/latest.json), or pass a results file`);
    process.exit(2);
  }
  const tables = performanceTables(JSON.parse(readFileSync(file, 'utf8')) as BenchReport);
  if (write) {
    const page = replaceGeneratedBlock(readFileSync(PERFORMANCE_PAGE, 'utf8'), tables);
    mkdirSync(path.dirname(PERFORMANCE_RESULTS), { recursive: true });
    if (path.resolve(file) !== PERFORMANCE_RESULTS) copyFileSync(file, PERFORMANCE_RESULTS);
    writeFileSync(PERFORMANCE_PAGE, page);
    console.error(`performance-tables: copied ${file} to ${PERFORMANCE_RESULTS} and wrote its tables into ${PERFORMANCE_PAGE}`);
  } else {
    console.log(tables);
  }
}

/** The readable tables printed after a run (the JSON file holds the same figures). */
import type { AchievedRtt } from './link';
import type { BenchReport, LinkActivity, Scenario, TargetResult } from './results';
import { formatDeltaChannel } from './scenarios/deltaChannel';
import { formatGrowingStorage } from './scenarios/growingStorage';
import { formatReadCost } from './scenarios/readCost';
import { spreadText } from './stats';

function table(headers: string[], rows: string[][], rightAligned: (column: number) => boolean): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (rightAligned(i) ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** "INSERT agent_state_snapshots", "BEGIN", "WITH: INSERT userbase+agent_threads+…": enough to tell statements apart in a table cell. */
export function shortSql(sql: string): string {
  const verb = (sql.trim().split(/\s+/)[0] ?? '').toUpperCase();
  const tables = (pattern: RegExp) => [...sql.matchAll(pattern)].map((m) => m[1] as string);
  const name = /(?:"?\w+"?\.)?"?(\w+)"?/.source;
  if (verb === 'WITH') return `WITH: INSERT ${tables(new RegExp(`INSERT INTO ${name}`, 'gi')).join('+')}`;
  // A SELECT's own table is its last FROM (sub-selects come first in the column list).
  const found = tables(new RegExp(`(?:FROM|INTO|UPDATE) ${name}`, 'gi'));
  const target = verb === 'SELECT' ? found[found.length - 1] : found[0];
  return target ? `${verb} ${target}` : verb;
}

const fixed = (x: number | null, digits: number) => (x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));

/** "loopback" or "1 ms": the distance a figure was measured at. */
export function distanceText(rttMs: number | undefined): string {
  return rttMs ? `${rttMs} ms` : 'loopback';
}

function scenarioTitle(s: Scenario): string {
  const where = s.backend === 'postgresql' ? `PostgreSQL, ${s.rttMs ? `through a ${s.rttMs} ms link` : 'loopback'}` : 'PGlite (in-memory)';
  if (s.kind === 'save') return `Save, ${where}, ${s.payload} state (${s.payloadBytes} B JSON), ${s.concurrency} client${s.concurrency > 1 ? 's' : ''}`;
  const what = s.kind === 'read-latest' ? 'Latest snapshot' : 'History page of 50';
  return `${what}, ${where}, ${s.historyRows} rows in the table (measured thread: ${s.measuredThreadRows}), 1 client`;
}

/** "1.123 ms through the link, 0.090 ms direct: 1.033 ms added (200 queries each)" */
export function achievedText(a: AchievedRtt): string {
  return `SELECT 1 median ${fixed(a.linkMedianMs, 3)} ms through the link, ${fixed(a.directMedianMs, 3)} ms direct: ${fixed(a.addedMs, 3)} ms added (${a.queries} queries each, alternated)`;
}

/** One line on what the link did in a scenario (or over a distance). */
export function linkActivityText(a: LinkActivity, oneWayMs: number): string {
  const share = (us: number) => `${fixed((us / 1000 / oneWayMs) * 100, 1)}%`;
  return (
    `${a.chunks.toLocaleString('en-US')} chunks, ${a.roundTrips.toLocaleString('en-US')} round trips; link CPU ${fixed(a.cpuUsPerChunk, 1)} µs/chunk (${fixed(a.cpuShareOfCore * 100, 1)}% of a core); ` +
    `lateness p50 ${a.lateness.p50Us} µs (${share(a.lateness.p50Us)} of the one-way delay), p99 ${a.lateness.p99Us} µs, max ${a.lateness.maxUs} µs`
  );
}

function scenarioTable(s: Scenario): string {
  const save = s.kind === 'save';
  const headers = ['contender', 'ops', 'median ms', 'p99 ms', 'ops/s', 'x base: median ms', 'x base: ops/s', 'round trips/op', 'client CPU ms/op', 'server CPU ms/op'];
  if (save) headers.push('stored B/snapshot', 'row B');
  const shared = new Set<string>();
  const rows = s.results.map((r) => {
    const cells = [
      r.label,
      String(r.summary.ops),
      fixed(r.summary.medianMs, 3),
      fixed(r.summary.p99Ms, 3),
      fixed(r.summary.opsPerSec, 0),
      spreadText(r.vsBaselineMedianMs),
      spreadText(r.vsBaselineOpsPerSec),
      fixed(r.roundTripsPerOp ?? null, 2),
      fixed(r.summary.clientCpuMsPerOp, 3),
      fixed(r.summary.serverCpuMsPerOp, 3),
    ];
    if (save) {
      const st = r.storage;
      if (st && st.sharedWith.length > 0) shared.add(`${st.tables.join(' + ')}: ${st.rowsAdded} rows`);
      cells.push(st ? `${fixed(st.onDiskBytesPerRow, 0)}${st.sharedWith.length > 0 ? '*' : ''}` : 'n/a', st ? fixed(st.rowBytes, 0) : 'n/a');
    }
    return cells;
  });
  const out = [table(headers, rows, (i) => i > 0)];
  if (s.link) out.push(`link over the recorded rounds: ${linkActivityText(s.link, s.rttMs / 2)}`);
  if (shared.size > 0) out.push(`* one figure per table, shared by every contender writing it (identical rows): ${[...shared].join('; ')}`);
  return out.join('\n');
}

/** The run's warm-up, for the header line (reports from before it was recorded say nothing). */
export function warmupNote(jitWarmupOps: number | undefined): string {
  return jitWarmupOps === undefined ? '' : `, ${jitWarmupOps.toLocaleString('en-US')} warm-up ops per contender first`;
}

export function formatReport(report: BenchReport): string {
  const out: string[] = [];
  const m = report.meta;
  out.push(
    `agent-state benchmark (${m.mode}) — ${m.startedAt}, ${m.wallSeconds.toFixed(0)} s, Node ${m.node}, ${m.cpus} CPUs (load ${m.loadAverage.map((l) => l.toFixed(1)).join(' ')}), PostgreSQL ${m.postgres}, pools of ${m.poolSize}${warmupNote(m.jitWarmupOps)}`,
    'Medians, p99 and ops/s over all measured ops; contenders interleaved round by round. "x base": this row vs the first row (saves: the yardstick,',
    "a prepared raw INSERT into a fixed copy of today's table layout; reads: raw SQL), taken round by round (both in the same round):",
    'median of the per-round ratios (min–max over the rounds). A wide min–max means that ratio is not to be trusted to its second digit.',
    'stored B/snapshot: growth of the on-disk size of the table(s) (heap + TOAST + indexes) over the scenario / rows added; row B: pg_column_size of',
    "the contender's own rows (toasted values compressed; LangGraph: checkpoint + blob rows), no indexes. D rows are diagnostics (profiling), not contenders.",
    'round trips/op: through a link, counted by the link over the recorded rounds (a server reply after client bytes closes one); at loopback, counted',
    'on the wire in the profile pass at 1 client (n/a at 16 clients, where group commit shares round trips between saves).',
  );
  if (report.links?.length) {
    out.push('', '== Links: the round trip each distance added (SELECT 1 median through the link and direct, alternated) and what the link cost ==');
    for (const l of report.links) {
      out.push(`${l.rttMs} ms (link process: ${l.scheduling}):`);
      for (const a of l.achieved) out.push(`   ${a.when}: ${achievedText(a)}`);
      out.push(`   over all its scenarios: ${linkActivityText(l.activity, l.rttMs / 2)}`);
    }
  }
  for (const s of report.scenarios) out.push('', `== ${scenarioTitle(s)} ==`, scenarioTable(s));

  if (report.growth.length > 0) {
    out.push('', '== Read cost growth with history size (median at the largest level / median at the smallest) ==');
    out.push(
      table(
        ['reader', 'small rows', 'median ms', 'large rows', 'median ms', 'growth (min–max over all round pairs)'],
        report.growth.map((g) => [g.label, String(g.smallRows), fixed(g.smallMedianMs, 3), String(g.largeRows), fixed(g.largeMedianMs, 3), spreadText(g.spread)]),
        (i) => i > 0,
      ),
    );
  }

  if (report.profile.roundTrips.length > 0) {
    out.push('', '== Round trips and statements per operation (counted on the wire) ==');
    out.push(
      table(
        ['operation', 'round trips', 'statements', 'statements (per op)'],
        report.profile.roundTrips.map((p) => [
          p.label,
          fixed(p.roundTripsPerOp, 1),
          fixed(p.statementsPerOp, 1),
          p.statements.map((s) => `${s.perOp === 1 ? '' : `${fixed(s.perOp, 1)}x `}${shortSql(s.sql)}`).join(', '),
        ]),
        (i) => i === 1 || i === 2,
      ),
    );
  }

  if (report.noise.length > 0) {
    out.push('', '== Noise check: the same prepared INSERT into two tables of one layout (1p raw INSERT vs Y yardstick), ideally 1.00x ==');
    out.push(
      table(
        ['scenario', 'x: median ms', 'x: ops/s'],
        report.noise.map((n) => [n.scenario, spreadText(n.medianMs), spreadText(n.opsPerSec)]),
        (i) => i > 0,
      ),
    );
    out.push('Ratios of other rows that differ from 1.00x by less than this check\'s spread are within the noise of this run.');
  }

  if (report.deltaChannel) out.push('', ...formatDeltaChannel(report.deltaChannel));
  if (report.growingStorage) out.push('', ...formatGrowingStorage(report.growingStorage));
  if (report.readCost) out.push('', ...formatReadCost(report.readCost));

  out.push('', ...formatTargets(report.targets));
  return out.join('\n');
}

/** The Targets table (the full run's, and --only storage's). */
export function formatTargets(targets: readonly TargetResult[]): string[] {
  return [
    '== Targets (median of the per-round ratios; min–max over the rounds) ==',
    table(
      ['at', 'target', 'measured', 'goal', 'result', 'note', 'from'],
      targets.map((t) => [
        distanceText(t.rttMs),
        t.description,
        `${fixed(t.value, 3)}x (${fixed(t.min, 2)}–${fixed(t.max, 2)})`,
        `${t.comparison} ${t.threshold}x`,
        t.pass ? 'PASS' : 'MISS',
        t.conclusive ? '' : 'not conclusive: rounds on both sides of the goal',
        t.detail,
      ]),
      (i) => i === 2,
    ),
  ];
}

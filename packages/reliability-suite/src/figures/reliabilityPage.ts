/**
 * The figures of docs/reliability.md, from a results file of this suite, so every figure there comes from a run
 * anyone can repeat:
 *   pnpm --filter @agentstate/reliability-suite run reliability-page [-- results/latest.json]           prints the block
 *   pnpm --filter @agentstate/reliability-suite run reliability-page -- --write [results/latest.json]   copies the file to
 *     docs/results/reliability.json and replaces the page's block with its figures
 * The committed copy lets a test check that the page and the file cannot drift apart.
 */
import { blockMarkers, generatedBlock as blockOf, replaceGeneratedBlock as replaceBlock } from '@agentstate/spec-check';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ReliabilityReport } from './figures';

const docs = path.join(__dirname, '..', '..', '..', '..', 'docs');
export const RELIABILITY_PAGE = path.join(docs, 'reliability.md');
export const RELIABILITY_RESULTS = path.join(docs, 'results', 'reliability.json');
const MARKERS = blockMarkers('reliability-figures');
export const BEGIN_MARKER = MARKERS.begin;
export const END_MARKER = MARKERS.end;

/** The page's topics, in its order, each with the figure keys (by their first part) it shows. */
export const TOPICS: ReadonlyArray<{ title: string; prefixes: readonly string[] }> = [
  { title: 'Load', prefixes: ['concurrency'] },
  { title: 'Poolers', prefixes: ['pooler'] },
  { title: 'Busy thread', prefixes: ['busyThread'] },
  { title: 'Faults and restarts', prefixes: ['restart', 'auditDurability', 'faultInjection'] },
  { title: 'Production boundary', prefixes: ['productionBoundary', 'environmentSpoofing', 'callerPaths'] },
  { title: 'Bad input', prefixes: ['badInput'] },
  { title: 'Upgrades under load', prefixes: ['upgrade'] },
  { title: 'Rows lost', prefixes: ['zz'] },
];
/** Figures of a key no topic names (a test added later) still show, under this title. */
export const OTHER_TOPIC = 'Other figures';

/** The generated block of a page (between the markers), or an error when the markers are not there exactly once, in order. */
export function generatedBlock(page: string): string {
  return blockOf(page, MARKERS);
}

/** The page with its generated block replaced; everything outside the markers unchanged. */
export function replaceGeneratedBlock(page: string, block: string): string {
  return replaceBlock(page, MARKERS, block);
}

/** The topic a figure key belongs to. */
export function topicOf(key: string): string {
  const first = key.split('.')[0] ?? '';
  return TOPICS.find((t) => t.prefixes.includes(first))?.title ?? OTHER_TOPIC;
}

/** Text from a test (summaries, error samples) as one markdown line: no line breaks, no HTML. */
const inline = (text: string) => text.replace(/\s+/g, ' ').replace(/</g, '\\<').trim();
const loads = (l: number[]) => (l.length ? l.map((x) => x.toFixed(1)).join(' ') : 'n/a');

/** Why --write refuses a results file, or null when it is a whole run of the suite with figures. */
export function notAPageRun(report: Partial<ReliabilityReport>): string | null {
  if (!report.meta?.startedAt) return 'it has no meta (written before the run recorded it): run the suite again';
  if (report.meta.selection !== null) return `the run was limited to ${report.meta.selection}: the page shows a run of the whole suite`;
  if (!report.figures || Object.keys(report.figures).length === 0) return 'it holds no figures';
  return null;
}

/** The page's block: the run (date, Node, machine and its load, servers), then every figure grouped by topic. */
export function reliabilityFigures(report: ReliabilityReport): string {
  const m = report.meta;
  const keys = Object.keys(report.figures).sort();
  const out = [
    `Run of ${m.startedAt} (${m.selection === null ? 'the whole suite' : `limited to ${m.selection}`}, ${m.wallSeconds} s): ` +
      `Node ${m.node}, ${m.platform}, ${m.cpus} CPUs, load average ${loads(m.loadAverageAtStart)} at the start and ${loads(m.loadAverage)} at the end (1, 5 and 15 minutes), ` +
      `PostgreSQL ${m.postgres}, ${m.pgbouncer ?? 'no PgBouncer (the pooler tests were skipped)'}; ${keys.length} figures.`,
  ];
  const titles = [...TOPICS.map((t) => t.title), OTHER_TOPIC];
  for (const title of titles) {
    const inTopic = keys.filter((k) => topicOf(k) === title);
    if (title === OTHER_TOPIC && inTopic.length === 0) continue;
    out.push('', `### ${title}`, '');
    if (inTopic.length === 0) out.push('No figure in this run (its tests were skipped or not run).');
    for (const key of inTopic) {
      const { summary, ...values } = report.figures[key]!;
      const shown = Object.entries(values).filter(([, value]) => value !== '').map(([name, value]) => `${name} ${inline(String(value))}`);
      out.push(`- ${inline(summary)}`, `  (\`${key}\`${shown.length ? `: ${shown.join(', ')}` : ''})`);
    }
  }
  return out.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const write = args.includes('--write');
  const file = args.find((a) => a !== '--write') ?? path.join(__dirname, '..', '..', 'results', 'latest.json');
  if (!existsSync(file)) {
    console.error(`reliability-page: no results file at ${file}; run the suite first (\`pnpm --filter @agentstate/reliability-suite test\` writes results/latest.json), or pass a results file`);
    process.exit(2);
  }
  const report = JSON.parse(readFileSync(file, 'utf8')) as ReliabilityReport;
  if (!write) {
    console.log(reliabilityFigures(report));
  } else {
    const refused = notAPageRun(report);
    if (refused) {
      console.error(`reliability-page: not writing ${file} into the page: ${refused}`);
      process.exit(2);
    }
    const page = replaceGeneratedBlock(readFileSync(RELIABILITY_PAGE, 'utf8'), reliabilityFigures(report));
    mkdirSync(path.dirname(RELIABILITY_RESULTS), { recursive: true });
    if (path.resolve(file) !== RELIABILITY_RESULTS) copyFileSync(file, RELIABILITY_RESULTS);
    writeFileSync(RELIABILITY_PAGE, page);
    console.error(`reliability-page: copied ${file} to ${RELIABILITY_RESULTS} and wrote its figures into ${RELIABILITY_PAGE}`);
  }
}

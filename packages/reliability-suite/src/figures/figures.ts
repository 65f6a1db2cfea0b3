/**
 * The suite's figures (load held, faults survived, bad inputs tried, rows
 * lost). Each test file records what it measured into its own part file
 * (Jest runs files in separate workers); the global teardown merges the parts
 * into results/latest.json and prints one summary line per figure.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, join } from 'node:path';

export const resultsDir = join(__dirname, '..', '..', 'results');
const partsDir = join(resultsDir, 'parts');
const startFile = join(resultsDir, 'start.json');
export const latestFile = join(resultsDir, 'latest.json');

/** The run a results file comes from: when, on what, under which load, and whether it was the whole suite. */
export interface RunMeta {
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  node: string;
  platform: string;
  cpus: number;
  /** os.loadavg() (1, 5 and 15 minutes) when the run started and when it ended */
  loadAverageAtStart: number[];
  loadAverage: number[];
  /** the test server's `server_version`, or why it could not be read */
  postgres: string;
  /** `pgbouncer --version`'s first line; null when PgBouncer is not installed (the pooler tests are skipped) */
  pgbouncer: string | null;
  /** the test path / name patterns the run was limited to; null: the whole suite */
  selection: string | null;
}

/** results/latest.json: one entry per figure key, its summary line beside its values. */
export interface ReliabilityReport {
  meta: RunMeta;
  figures: Record<string, { summary: string } & Figure['values']>;
}

export interface Figure {
  /** stable key, e.g. "concurrency.pglite.firstSaves" */
  key: string;
  /** one line for people, e.g. "200 concurrent first saves [pglite]: 0 errors, 1 user row" */
  summary: string;
  /** the measured numbers behind the line */
  values: Record<string, number | string | boolean>;
}

/** Records (or replaces) a figure for the calling test file. Synchronous, so it survives a later crash of the file. */
export function recordFigure(testFile: string, figure: Figure): void {
  mkdirSync(partsDir, { recursive: true });
  const part = join(partsDir, `${basename(testFile).replace(/\.test\.ts$/, '')}.json`);
  const figures = readPart(part).filter((f) => f.key !== figure.key);
  figures.push(figure);
  writeFileSync(part, `${JSON.stringify(figures, null, 2)}\n`);
}

function readPart(file: string): Figure[] {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Figure[];
  } catch {
    return [];
  }
}

/** Before a run: forget the parts of earlier runs, note when it started and the machine's load then. */
export function resetFigures(): void {
  rmSync(partsDir, { recursive: true, force: true });
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(startFile, JSON.stringify({ startedAt: new Date().toISOString(), loadAverage: loadavg() }));
}

/** After a run: its meta, from the start noted by resetFigures and the machine now. */
export function runMeta(found: Pick<RunMeta, 'postgres' | 'pgbouncer' | 'selection'>): RunMeta {
  const finished = new Date();
  let start: { startedAt: string; loadAverage: number[] };
  try {
    start = JSON.parse(readFileSync(startFile, 'utf8')) as typeof start;
  } catch {
    start = { startedAt: finished.toISOString(), loadAverage: [] };
  }
  return {
    startedAt: start.startedAt,
    finishedAt: finished.toISOString(),
    wallSeconds: Math.round((finished.getTime() - Date.parse(start.startedAt)) / 1000),
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    loadAverageAtStart: start.loadAverage,
    loadAverage: loadavg(),
    ...found,
  };
}

/** After a run: every part, merged and sorted by key. */
export function collectFigures(): Figure[] {
  let files: string[] = [];
  try {
    files = readdirSync(partsDir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.flatMap((f) => readPart(join(partsDir, f)));
}

export function writeLatest(figures: Figure[], meta: RunMeta): void {
  mkdirSync(resultsDir, { recursive: true });
  const report: ReliabilityReport = { meta, figures: Object.fromEntries(figures.map((f) => [f.key, { ...f.values, summary: f.summary }])) };
  writeFileSync(latestFile, `${JSON.stringify(report, null, 2)}\n`);
}

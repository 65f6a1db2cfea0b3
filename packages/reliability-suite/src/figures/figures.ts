/**
 * The suite's figures (load held, faults survived, bad inputs tried, rows
 * lost). Each test file records what it measured into its own part file
 * (Jest runs files in separate workers); the global teardown merges the parts
 * into results/latest.json and prints one summary line per figure.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const resultsDir = join(__dirname, '..', '..', 'results');
const partsDir = join(resultsDir, 'parts');
export const latestFile = join(resultsDir, 'latest.json');

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

/** Before a run: forget the parts of earlier runs. */
export function resetFigures(): void {
  rmSync(partsDir, { recursive: true, force: true });
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

export function writeLatest(figures: Figure[], extra: Record<string, unknown> = {}): void {
  mkdirSync(resultsDir, { recursive: true });
  const byKey = Object.fromEntries(figures.map((f) => [f.key, { summary: f.summary, ...f.values }]));
  writeFileSync(latestFile, `${JSON.stringify({ generatedAt: new Date().toISOString(), ...extra, figures: byKey }, null, 2)}\n`);
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listRepoFiles } from './discoverFiles';
import { findFkWrites } from './findFkWrites';
import type { Finding } from './findFkWrites';
import { parseSources } from './parseSources';
import { anyMatcher, toRepoPath } from './pathMatch';
import { loadSchemaModel } from './schemaModel';
import type { SchemaModel } from './schemaModel';

/** The one package that may write FK scalars: it provisions referenced rows per policy first. */
export const DEFAULT_ALLOW: readonly string[] = ['packages/state-persistence/'];

/** Never linted, whether discovered or passed explicitly: build output and generated clients. */
export const ALWAYS_EXCLUDE: readonly string[] = ['**/generated/**', '**/dist/**', '**/node_modules/**'];

/** fk-lint's own fixtures are deliberately bad; whole-repo runs skip them (explicit paths do not). */
export const FIXTURES_DIR = join(__dirname, '..', 'fixtures');

/** Repo-relative patterns a whole-repo run skips. */
export function wholeRepoExcludes(root: string): string[] {
  const fixtures = toRepoPath(root, FIXTURES_DIR);
  const inside = fixtures !== '' && !fixtures.startsWith('..');
  return inside ? [...ALWAYS_EXCLUDE, fixtures] : [...ALWAYS_EXCLUDE];
}

export interface LintOptions {
  /** repo root: allow-list and exclude patterns are relative to it */
  readonly root: string;
  /** a parsed schema, or the path of a schema file or folder */
  readonly schema: SchemaModel | string;
  /** absolute paths to lint; omitted = every lintable file of the repo */
  readonly files?: readonly string[];
  /** replaces DEFAULT_ALLOW */
  readonly allow?: readonly string[];
}

export interface LintResult {
  readonly findings: readonly Finding[];
  /** files parsed and checked */
  readonly checked: number;
  /** files skipped because the allow-list covers them */
  readonly allowed: number;
}

export function lint(options: LintOptions): LintResult {
  const { root } = options;
  const schema = typeof options.schema === 'string' ? loadSchemaModel(options.schema) : options.schema;
  const isExcluded = anyMatcher(options.files === undefined ? wholeRepoExcludes(root) : ALWAYS_EXCLUDE, root);
  const isAllowed = anyMatcher(options.allow ?? DEFAULT_ALLOW, root);

  const candidates = (options.files ?? listRepoFiles(root)).filter((file) => !isExcluded(toRepoPath(root, file)));
  const toCheck = candidates.filter((file) => !isAllowed(toRepoPath(root, file)));

  // No model has a required relation: nothing can match, so skip parsing entirely.
  if (schema.byDelegate.size === 0) return { findings: [], checked: toCheck.length, allowed: candidates.length - toCheck.length };

  const { sourceFiles, checker } = parseSources(toCheck.map((fileName) => ({ fileName, text: readFileSync(fileName, 'utf8') })));
  const findings = sourceFiles.flatMap((sf) => findFkWrites(sf, checker, schema));
  return { findings, checked: toCheck.length, allowed: candidates.length - toCheck.length };
}

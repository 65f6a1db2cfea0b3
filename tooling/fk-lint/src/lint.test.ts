import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expandPaths, findRepoRoot, isLintableFile, listRepoFiles } from './discoverFiles';
import { ConfigError } from './errors';
import type { LintResult } from './lint';
import { lint, wholeRepoExcludes } from './lint';
import { BAD_WRITE, FIXTURE_SCHEMA, FIXTURES, git, PACKAGE_DIR, writeTree } from './testing';

function summary(result: LintResult, root: string): string[] {
  return result.findings.map((f) => `${relative(root, f.file)}:${f.line}:${f.column} ${f.method}`);
}

const FIXTURE_FINDINGS = [
  'bad/create.ts:6:13 create',
  'bad/create.ts:12:13 create',
  'bad/create.ts:16:20 create',
  'bad/createMany.ts:7:9 createMany',
  'bad/createMany.ts:8:9 createMany',
  'bad/createMany.ts:15:32 createManyAndReturn',
  'bad/transaction.ts:8:15 create',
  'bad/update.ts:5:68 update',
  'bad/update.ts:11:13 updateMany',
  'bad/upsert.ts:7:19 upsert',
  'bad/upsert.ts:8:15 upsert',
];

describe('lint on the fixtures', () => {
  const files = expandPaths([FIXTURES], FIXTURES);

  it('finds every true positive, and the default allow-list covers packages/state-persistence/', () => {
    const result = lint({ root: FIXTURES, schema: FIXTURE_SCHEMA, files });
    expect(summary(result, FIXTURES)).toEqual(FIXTURE_FINDINGS);
    expect(result.checked).toBe(6);
    expect(result.allowed).toBe(1);
  });

  it('flags the state-persistence fixture once the allow-list no longer covers it', () => {
    const result = lint({ root: FIXTURES, schema: FIXTURE_SCHEMA, files, allow: ['bad/'] });
    expect(summary(result, FIXTURES)).toEqual(['packages/state-persistence/src/saveSnapshot.ts:6:53 create']);
    expect(result.allowed).toBe(5);
  });

  it('finds nothing in the true negatives', () => {
    const result = lint({ root: FIXTURES, schema: FIXTURE_SCHEMA, files: expandPaths(['good'], FIXTURES) });
    expect(result.findings).toEqual([]);
    expect(result.checked).toBe(1);
  });
});

describe('lint over a whole repo', () => {
  let repo: string;
  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'fk-lint-repo-'));
    writeTree(repo, {
      '.gitignore': 'src/ignored.ts\n',
      'src/tracked.ts': BAD_WRITE,
      'src/deleted.ts': BAD_WRITE,
      'src/untracked.tsx': BAD_WRITE,
      'src/ignored.ts': BAD_WRITE,
      'src/types.d.ts': BAD_WRITE,
      'packages/db/src/generated/prisma/client.ts': BAD_WRITE,
      'packages/db/dist/index.ts': BAD_WRITE,
      'packages/state-persistence/src/save.ts': BAD_WRITE,
    });
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  it('lints tracked and untracked-but-not-ignored files, skipping generated, dist and the allow-list', () => {
    git(repo, 'init', '-q');
    git(repo, 'add', 'src/tracked.ts', 'src/deleted.ts');
    rmSync(join(repo, 'src/deleted.ts'));
    const result = lint({ root: repo, schema: FIXTURE_SCHEMA });
    expect(summary(result, repo)).toEqual(['src/tracked.ts:1:81 create', 'src/untracked.tsx:1:81 create']);
    expect(result.allowed).toBe(1);
  });

  it('walks the tree when there is no git repository', () => {
    const result = lint({ root: repo, schema: FIXTURE_SCHEMA });
    expect(summary(result, repo)).toEqual([
      'src/deleted.ts:1:81 create',
      'src/ignored.ts:1:81 create',
      'src/tracked.ts:1:81 create',
      'src/untracked.tsx:1:81 create',
    ]);
  });
});

describe('file discovery', () => {
  it('skips fk-lint’s own fixtures in whole-repo runs of the real repo', () => {
    const root = findRepoRoot([PACKAGE_DIR]) ?? '';
    expect(wholeRepoExcludes(root)).toEqual(['**/generated/**', '**/dist/**', '**/node_modules/**', 'tooling/fk-lint/fixtures']);
    expect(listRepoFiles(root).some((f) => f.startsWith(FIXTURES))).toBe(true); // listed, then excluded by lint()
  });

  it('finds the repo root by pnpm-workspace.yaml', () => {
    const root = findRepoRoot([join(PACKAGE_DIR, 'src')]);
    expect(root).toBe(join(PACKAGE_DIR, '..', '..'));
    expect(findRepoRoot([tmpdir()])).toBeUndefined();
  });

  it('accepts .ts/.tsx/.mts/.cts but not declaration files', () => {
    expect(['a.ts', 'a.tsx', 'a.mts', 'a.cts', 'a.d.ts', 'a.d.mts', 'a.js'].filter(isLintableFile)).toEqual([
      'a.ts',
      'a.tsx',
      'a.mts',
      'a.cts',
    ]);
  });

  it('rejects a path that does not exist', () => {
    expect(() => expandPaths(['nope.ts'], FIXTURES)).toThrow(new ConfigError('no such file or directory: nope.ts'));
  });
});

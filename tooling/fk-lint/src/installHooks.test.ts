import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installHooks } from './installHooks';
import { BAD_WRITE, cleanGitEnv, FIXTURE_SCHEMA, git, GOOD_WRITE, PACKAGE_DIR, writeTree } from './testing';

const env = cleanGitEnv();

describe('installHooks', () => {
  let repo: string;
  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'fk-lint-hooks-'));
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  it('points core.hooksPath at the hooks folder, repo-relative, and makes hooks executable', () => {
    git(repo, 'init', '-q');
    writeTree(repo, { 'tooling/fk-lint/git-hooks/pre-commit': '#!/bin/sh\nexit 0\n' });
    const hooksDir = join(repo, 'tooling/fk-lint/git-hooks');
    chmodSync(join(hooksDir, 'pre-commit'), 0o644);

    expect(installHooks({ hooksDir, env })).toEqual({ status: 'installed', message: 'core.hooksPath set to tooling/fk-lint/git-hooks' });
    expect(git(repo, 'config', '--get', 'core.hooksPath').stdout.trim()).toBe('tooling/fk-lint/git-hooks');
    expect(statSync(join(hooksDir, 'pre-commit')).mode & 0o777).toBe(0o755);
    expect(installHooks({ hooksDir, env })).toEqual({ status: 'unchanged', message: 'core.hooksPath already tooling/fk-lint/git-hooks' });

    git(repo, 'config', 'core.hooksPath', '.husky');
    expect(installHooks({ hooksDir, env }).message).toBe('core.hooksPath set to tooling/fk-lint/git-hooks (was .husky)');
  });

  it('is a no-op outside a git work tree', () => {
    writeTree(repo, { 'git-hooks/pre-commit': '#!/bin/sh\n' });
    expect(installHooks({ hooksDir: join(repo, 'git-hooks'), env })).toEqual({
      status: 'skipped',
      message: 'not inside a git work tree; hooks not installed',
    });
  });

  it('is a no-op when git is missing', () => {
    writeTree(repo, { 'git-hooks/pre-commit': '#!/bin/sh\n' });
    expect(installHooks({ hooksDir: join(repo, 'git-hooks'), git: join(repo, 'no-such-git'), env })).toEqual({
      status: 'skipped',
      message: 'git not found; hooks not installed',
    });
  });

  it('does not take over the hooks of a project that merely installed the package', () => {
    git(repo, 'init', '-q');
    writeTree(repo, { 'node_modules/@agentstate/fk-lint/git-hooks/pre-commit': '#!/bin/sh\n' });
    const result = installHooks({ hooksDir: join(repo, 'node_modules/@agentstate/fk-lint/git-hooks'), env });
    expect(result.status).toBe('skipped');
    expect(git(repo, 'config', '--get', 'core.hooksPath').status).toBe(1);
  });

  it('bin/install-hooks.js exits 0 when there is nothing to install into', () => {
    // The ceiling hides the repo this package lives in, so running the test never configures it.
    const ceiling = { ...env, GIT_CEILING_DIRECTORIES: join(PACKAGE_DIR, '..') };
    const run = spawnSync(process.execPath, [join(PACKAGE_DIR, 'bin/install-hooks.js')], { cwd: repo, encoding: 'utf8', env: ceiling });
    expect(run.stderr).toBe('fk-lint hooks: not inside a git work tree; hooks not installed\n');
    expect(run.status).toBe(0);
  });
});

describe('git-hooks/pre-commit', () => {
  let repo: string;
  beforeAll(() => {
    // A throwaway workspace laid out like the real one, with this package linked in so
    // the hook finds bin/fk-lint.js and its installed dependencies.
    repo = mkdtempSync(join(tmpdir(), 'fk-lint-precommit-'));
    git(repo, 'init', '-q');
    writeTree(repo, { 'pnpm-workspace.yaml': 'packages:\n  - tooling/*\n', 'README.md': 'x\n' });
    copyFileSync(FIXTURE_SCHEMA, join(writeDir(repo, 'prisma'), 'schema.prisma'));
    symlinkSync(PACKAGE_DIR, join(writeDir(repo, 'tooling'), 'fk-lint'));
    git(repo, 'add', 'pnpm-workspace.yaml', 'prisma', 'README.md');
    // What installHooks sets (tested above; it cannot be used here: git resolves the symlink to the real repo).
    git(repo, 'config', 'core.hooksPath', 'tooling/fk-lint/git-hooks');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  const commit = () => git(repo, 'commit', '-q', '-m', 'test');

  it('blocks a commit that stages a raw FK write, naming file and line', () => {
    writeTree(repo, { 'apps/api/src/save.ts': BAD_WRITE });
    git(repo, 'add', 'apps/api/src/save.ts');
    const result = commit();
    expect(result.status).toBe(1);
    // git sends a hook's stdout to stderr
    expect(result.stderr.split('\n')).toContain(
      "apps/api/src/save.ts:1:81  AgentStateSnapshot.create sets FK scalar 'userId' of required relation 'user' -> User; " +
        "hint: use `user: { connect: { id } }` instead, or save through @agentstate/state-persistence's saveSnapshot, " +
        'which provisions references per policy',
    );
    expect(result.stderr).toContain('fk-lint pre-commit: commit blocked');
    expect(git(repo, 'rev-parse', '--verify', '-q', 'HEAD').status).not.toBe(0);
  });

  it('lets the fixed file, allow-listed files and non-TypeScript files through', () => {
    writeTree(repo, {
      'apps/api/src/save.ts': GOOD_WRITE,
      'packages/state-persistence/src/save.ts': BAD_WRITE,
      'docs/example.md': BAD_WRITE,
    });
    git(repo, 'add', '.');
    const result = commit();
    expect(result.stderr).toContain('fk-lint: no writes of required-relation FK scalars (1 file(s) checked, 1 allow-listed)');
    expect(result.status).toBe(0);
  });
});

function writeDir(root: string, rel: string): string {
  writeTree(root, { [`${rel}/.keep`]: '' });
  return join(root, rel);
}

// Shared paths for the tests (not part of the public API).
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const PACKAGE_DIR = join(__dirname, '..');
export const FIXTURES = join(PACKAGE_DIR, 'fixtures');
export const FIXTURE_SCHEMA = join(FIXTURES, 'schema.prisma');

/** Environment for git in temp repos: no inherited GIT_DIR & co. (tests may run inside a hook). */
export function cleanGitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GIT_')) env[key] = value;
  return {
    ...env,
    GIT_AUTHOR_NAME: 'fk-lint test',
    GIT_AUTHOR_EMAIL: 'fk-lint@example.test',
    GIT_COMMITTER_NAME: 'fk-lint test',
    GIT_COMMITTER_EMAIL: 'fk-lint@example.test',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
}

export function git(cwd: string, ...args: string[]): SpawnSyncReturns<string> {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', env: cleanGitEnv() });
  if (result.error) throw result.error;
  return result;
}

/** Writes `{ relativePath: content }` under `dir`, creating folders. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
}

export const BAD_WRITE = 'export const f = (userId: string) => prisma.agentStateSnapshot.create({ data: { userId } });\n';
export const GOOD_WRITE =
  'export const f = (userId: string) => prisma.agentStateSnapshot.create({ data: { user: { connect: { id: userId } } } });\n';

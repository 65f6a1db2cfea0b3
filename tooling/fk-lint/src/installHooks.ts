import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

export const HOOKS_DIR = join(__dirname, '..', 'git-hooks');

export interface InstallResult {
  readonly status: 'installed' | 'unchanged' | 'skipped';
  readonly message: string;
}

export interface InstallOptions {
  /** folder holding the hooks; its work tree is the one configured */
  readonly hooksDir?: string;
  /** git executable (tests point it at a missing binary) */
  readonly git?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Points `core.hooksPath` of the enclosing git work tree at fk-lint's hooks folder.
 * Called from the root `prepare` script, which also runs in CI and in extracted tarballs,
 * so every "cannot" (no git, no work tree, hooks outside it) is a quiet skip, never an error.
 */
export function installHooks(options: InstallOptions = {}): InstallResult {
  const hooksDir = options.hooksDir ?? HOOKS_DIR;
  const gitBin = options.git ?? 'git';
  const git = (...args: string[]) => spawnSync(gitBin, args, { cwd: hooksDir, encoding: 'utf8', env: options.env ?? process.env });

  if (!existsSync(hooksDir)) return { status: 'skipped', message: `no hooks folder at ${hooksDir}` };
  const inside = git('rev-parse', '--is-inside-work-tree');
  if (inside.error !== undefined) return { status: 'skipped', message: 'git not found; hooks not installed' };
  if (inside.status !== 0 || inside.stdout.trim() !== 'true') {
    return { status: 'skipped', message: 'not inside a git work tree; hooks not installed' };
  }
  const top = git('rev-parse', '--show-toplevel').stdout.trim();
  const rel = relative(top, hooksDir).split(sep).join('/');
  // An installed copy (e.g. under another project's node_modules) must not take over that project's hooks.
  if (top === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split('/').includes('node_modules')) {
    return { status: 'skipped', message: `${hooksDir} is not part of this work tree's sources; hooks not installed` };
  }

  // Git keeps the exec bit, but archives and some checkouts drop it; a non-executable hook is silently ignored.
  for (const name of readdirSync(hooksDir)) {
    const file = join(hooksDir, name);
    const stat = statSync(file);
    if (stat.isFile() && (stat.mode & 0o111) !== 0o111) chmodSync(file, stat.mode | 0o755);
  }

  const current = git('config', '--get', 'core.hooksPath').stdout.trim();
  if (current === rel) return { status: 'unchanged', message: `core.hooksPath already ${rel}` };
  const set = git('config', '--local', 'core.hooksPath', rel);
  if (set.status !== 0) {
    return { status: 'skipped', message: `git config core.hooksPath failed: ${set.stderr.trim()}` };
  }
  const previous = current === '' ? '' : ` (was ${current})`;
  return { status: 'installed', message: `core.hooksPath set to ${rel}${previous}` };
}

/** Entry point for bin/install-hooks.js: reports and always exits 0. */
export function main(): number {
  const result = installHooks();
  process.stderr.write(`fk-lint hooks: ${result.message}\n`);
  return 0;
}

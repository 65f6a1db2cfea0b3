import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from './errors';

const TS_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts'];
const DECLARATION_SUFFIXES = ['.d.ts', '.d.mts', '.d.cts'];
/** Folders never worth descending into when walking the tree by hand. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'generated', '.git']);

/** `.ts`/`.tsx`/`.mts`/`.cts`, but not declaration files (they hold no calls). */
export function isLintableFile(file: string): boolean {
  return TS_EXTENSIONS.some((ext) => file.endsWith(ext)) && !DECLARATION_SUFFIXES.some((ext) => file.endsWith(ext));
}

/** The nearest folder at or above one of `startDirs` that holds `pnpm-workspace.yaml`. */
export function findRepoRoot(startDirs: readonly string[]): string | undefined {
  for (const start of startDirs) {
    let dir = resolve(start);
    for (;;) {
      if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

/**
 * Every lintable file of the repo: tracked plus untracked-but-not-ignored, as git sees it,
 * so .gitignore'd output never gets linted. Without git (a tarball, no git binary) the
 * tree is walked instead, skipping node_modules, dist, generated and .git.
 */
export function listRepoFiles(root: string): string[] {
  const git = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (git.error === undefined && git.status === 0) {
    const files = git.stdout
      .split('\0')
      .filter((name) => name !== '' && isLintableFile(name))
      .map((name) => join(root, name))
      // --cached still lists files deleted from the work tree but not yet from the index.
      .filter((file) => existsSync(file));
    return [...new Set(files)].sort();
  }
  return walk(root).sort();
}

/** Explicit CLI paths: files as given (if lintable), folders walked. Missing paths are a usage error. */
export function expandPaths(paths: readonly string[], cwd: string): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    const abs = resolve(cwd, p);
    if (!existsSync(abs)) throw new ConfigError(`no such file or directory: ${p}`);
    if (statSync(abs).isDirectory()) for (const file of walk(abs)) out.add(file);
    else if (isLintableFile(abs)) out.add(abs);
  }
  return [...out].sort();
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) out.push(...walk(full));
    } else if (entry.isFile() && isLintableFile(entry.name)) {
      out.push(full);
    }
  }
  return out;
}

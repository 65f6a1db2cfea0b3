import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The monorepo root: the nearest folder above this package holding pnpm-workspace.yaml. */
export function findRepoRoot(start: string = __dirname): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No pnpm-workspace.yaml above ${start}: cannot locate the repository root`);
    dir = parent;
  }
}

export const repoRoot = findRepoRoot();
export const schemaPath = join(repoRoot, 'prisma', 'schema.prisma');
export const migrationsDir = join(repoRoot, 'prisma', 'migrations');
/** Default home of the embedded database; git-ignored. */
export const defaultPgliteDataDir = join(repoRoot, '.data', 'pglite');

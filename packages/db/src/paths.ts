/**
 * Where the schema, the migrations and the embedded database live. Resolved
 * when asked (never at import), so the package also runs outside this
 * repository: a build (`pnpm build`) copies prisma/schema.prisma and
 * prisma/migrations next to the compiled code (dist/prisma), and a deployed
 * app uses that copy. Each path can be overridden by an environment variable.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The monorepo root (the nearest folder above holding pnpm-workspace.yaml), or null outside the repository. */
export function findRepoRoot(start: string = __dirname): string | null {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The prisma/ folder: the build's copy beside the compiled code, else the repository's. */
function prismaDir(): string {
  const bundled = join(__dirname, 'prisma');
  if (existsSync(join(bundled, 'schema.prisma'))) return bundled;
  const root = findRepoRoot();
  if (root) return join(root, 'prisma');
  throw new Error(`No prisma/ folder: neither ${bundled} (run \`pnpm build\`) nor a repository above ${__dirname}. Set AGENTSTATE_SCHEMA_PATH and AGENTSTATE_MIGRATIONS_DIR.`);
}

/** The Prisma schema (AGENTSTATE_SCHEMA_PATH overrides). */
export function schemaPath(env: Record<string, string | undefined> = process.env): string {
  return env.AGENTSTATE_SCHEMA_PATH?.trim() || join(prismaDir(), 'schema.prisma');
}

/** The migrations folder, in Prisma's layout (AGENTSTATE_MIGRATIONS_DIR overrides). */
export function migrationsDir(env: Record<string, string | undefined> = process.env): string {
  return env.AGENTSTATE_MIGRATIONS_DIR?.trim() || join(prismaDir(), 'migrations');
}

/** Default home of the embedded database: <repo>/.data/pglite in the repository (git-ignored), else ./.data/pglite. */
export function defaultPgliteDataDir(): string {
  return join(findRepoRoot() ?? process.cwd(), '.data', 'pglite');
}

import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { expandPaths, findRepoRoot } from './discoverFiles';
import { ConfigError } from './errors';
import { lint } from './lint';
import { formatFinding } from './report';

export const USAGE = `usage: fk-lint [--schema prisma/schema.prisma] [--allow <glob-or-dir>]... [paths...]

Flags Prisma writes (create, createMany, createManyAndReturn, upsert, update, updateMany,
updateManyAndReturn) whose data sets the raw FK scalar of a required relation.

  --schema <path>   Prisma schema file or folder (default: <repo root>/prisma/schema.prisma)
  --allow <pattern> repo-relative folder or glob allowed to write FK scalars; repeatable;
                    replaces the default (packages/state-persistence/)
  paths             files or folders to lint (default: every .ts/.tsx/.mts/.cts file in git)

A deliberate write is silenced by \`// fk-lint-disable-next-line -- <reason>\` above it.

exit codes: 0 clean, 1 findings, 2 usage or configuration error`;

export interface CliIo {
  readonly cwd: string;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

const processIo: CliIo = {
  cwd: process.cwd(),
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

/** Runs the CLI and returns its exit code (never calls process.exit, so tests can call it). */
export function main(argv: readonly string[], io: CliIo = processIo): number {
  try {
    return run(argv, io);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`fk-lint: ${error.message}`);
      return 2;
    }
    io.stderr(`fk-lint: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 2;
  }
}

function run(argv: readonly string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        schema: { type: 'string' },
        allow: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new ConfigError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }

  // Walk up from where we are called; fall back to where this package lives, so that
  // running the bin from outside the repo still finds the workspace it belongs to.
  const root = findRepoRoot([io.cwd, join(__dirname, '..')]);
  if (root === undefined && values.schema === undefined) {
    throw new ConfigError(`no pnpm-workspace.yaml above ${io.cwd}; pass --schema <path>`);
  }
  const repoRoot = root ?? io.cwd;
  const schema = values.schema === undefined ? join(repoRoot, 'prisma', 'schema.prisma') : resolve(io.cwd, values.schema);
  const files = positionals.length > 0 ? expandPaths(positionals, io.cwd) : undefined;

  const result = lint({ root: repoRoot, schema, files, allow: values.allow });
  for (const finding of result.findings) io.stdout(formatFinding(finding, displayPath(io.cwd, finding.file)));

  const scope = `${result.checked} file(s) checked, ${result.allowed} allow-listed`;
  if (result.findings.length > 0) {
    io.stderr(`fk-lint: ${result.findings.length} write(s) of required-relation FK scalars (${scope})`);
    return 1;
  }
  io.stderr(`fk-lint: no writes of required-relation FK scalars (${scope})`);
  return 0;
}

function displayPath(cwd: string, file: string): string {
  return relative(cwd, file).split(sep).join('/');
}

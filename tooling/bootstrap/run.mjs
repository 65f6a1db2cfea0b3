#!/usr/bin/env node
// One entry point for a fresh machine that has only Node and npm:
//   npm run demo   -> install, generate the Prisma client, run the demo (PGlite)
//   npm test       -> install, generate, run every package's tests through turbo
//   npm run setup  -> install and generate only
// pnpm itself comes from the npm registry through npx when it is not on PATH,
// pinned to the version in package.json's "packageManager".
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = String(pkg.packageManager ?? '').replace(/^pnpm@/, '');

const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
  // Prisma's CLI must never try to fetch native engines here (see README).
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function pnpm(args) {
  const onPath = spawnSync('pnpm', ['--version'], { encoding: 'utf8', env });
  if (onPath.status === 0 && onPath.stdout.trim() === pnpmVersion) return run('pnpm', args);
  return run('npx', ['--yes', `pnpm@${pnpmVersion}`, ...args]);
}

const task = process.argv[2];
const tasks = {
  setup: [],
  demo: [['--filter', '@agentstate/demo', 'start']],
  test: [['exec', 'turbo', 'run', 'test', '--concurrency=2']],
};
if (!(task in tasks)) {
  console.error(`usage: node tooling/bootstrap/run.mjs <${Object.keys(tasks).join('|')}>`);
  process.exit(2);
}

pnpm(['install', '--frozen-lockfile=false', '--reporter=append-only']);
pnpm(['exec', 'turbo', 'run', 'generate', '--output-logs=errors-only']);
for (const args of tasks[task]) pnpm(args);

#!/usr/bin/env node
// One entry point for a fresh machine that has only Node and npm:
//   npm run demo   -> install, generate the Prisma client, run the demo (PGlite)
//   npm test       -> install, generate, then typecheck, lint and test every package through turbo
//   npm run setup  -> install and generate only
// pnpm itself comes from the npm registry through npx when it is not on PATH,
// pinned to the version in package.json's "packageManager".
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addTestCounts } from './testCounts.mjs';

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
  const [cmd, fullArgs] = pnpmCommand(args);
  return run(cmd, fullArgs);
}

function pnpmCommand(args) {
  const onPath = spawnSync('pnpm', ['--version'], { encoding: 'utf8', env });
  return onPath.status === 0 && onPath.stdout.trim() === pnpmVersion ? ['pnpm', args] : ['npx', ['--yes', `pnpm@${pnpmVersion}`, ...args]];
}

/**
 * Runs every package's typecheck, lint (ESLint, and fk-lint over the whole
 * repo) and tests through turbo, echoing the output, then prints one closing
 * line summing the per-package test summaries (Jest's and vitest's), e.g.
 * "Tests: 402 passed, 0 failed, 3 skipped".
 */
function runTests() {
  const [cmd, args] = pnpmCommand(['exec', 'turbo', 'run', 'typecheck', 'lint', 'test', '--concurrency=2', '--continue']);
  const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const totals = { passed: 0, failed: 0, skipped: 0 };
  let buffered = '';
  const scan = (chunk) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) addTestCounts(line, totals);
  };
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    scan(chunk);
  });
  child.stderr.on('data', (chunk) => {
    process.stderr.write(chunk);
    scan(chunk);
  });
  child.on('close', (code) => {
    scan('\n');
    console.log(`\nTests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
    process.exit(code ?? 1);
  });
}

const task = process.argv[2];
const tasks = {
  setup: () => {},
  demo: () => pnpm(['--filter', '@agentstate/demo', 'start']),
  test: runTests,
};
if (!(task in tasks)) {
  console.error(`usage: node tooling/bootstrap/run.mjs <${Object.keys(tasks).join('|')}>`);
  process.exit(2);
}

pnpm(['install', '--reporter=append-only']);
pnpm(['exec', 'turbo', 'run', 'generate', '--output-logs=errors-only']);
tasks[task]();

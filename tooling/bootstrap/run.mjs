#!/usr/bin/env node
// One entry point for a fresh machine that has only Node and npm:
//   npm run demo   -> install, generate the Prisma client, run the demo (PGlite)
//   npm test       -> install, generate, then typecheck, lint and test every package through turbo
//   npm run setup  -> install and generate only
// pnpm itself comes from the npm registry through npx when it is not on PATH,
// pinned to the version in package.json's "packageManager".
// Extra arguments of `test` go to turbo, e.g. `npm test -- --filter=@agentstate/db`.
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

/**
 * NODE_OPTIONS for npm (npx) under this Node: adds --use-system-ca where this
 * Node has it. A Node binary installed from the npm registry (or nodejs.org)
 * trusts only its bundled certificates, while a system's npm is often set up
 * with the system's (a cafile in its global npmrc, which such a binary's npm
 * does not read): behind a proxy with its own certificate authority, npx then
 * fails with SELF_SIGNED_CERT_IN_CHAIN. This adds the system's store to what
 * is trusted; nothing is trusted less.
 */
function npmNodeOptions(current = '') {
  if (!process.allowedNodeEnvironmentFlags.has('--use-system-ca') || /(^|\s)--use-system-ca(\s|$)/.test(current)) return current;
  return current ? `${current} --use-system-ca` : '--use-system-ca';
}

function run(cmd, args, runEnv = env) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: runEnv });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function pnpm(args) {
  const [cmd, fullArgs, runEnv] = pnpmCommand(args);
  return run(cmd, fullArgs, runEnv);
}

let pnpmOnPath;
/** [command, args, env]: the pinned pnpm from PATH, else through npx (which needs the registry's certificates trusted). */
function pnpmCommand(args) {
  pnpmOnPath ??= (() => {
    const found = spawnSync('pnpm', ['--version'], { encoding: 'utf8', env });
    return found.status === 0 && found.stdout.trim() === pnpmVersion;
  })();
  if (pnpmOnPath) return ['pnpm', args, env];
  return ['npx', ['--yes', `pnpm@${pnpmVersion}`, ...args], { ...env, NODE_OPTIONS: npmNodeOptions(env.NODE_OPTIONS) }];
}

/**
 * Runs every package's typecheck, lint (ESLint, and fk-lint over the whole
 * repo) and tests through turbo, echoing the output, then prints one closing
 * line summing the per-package test summaries (Jest's and vitest's), e.g.
 * "Tests: 402 passed, 0 failed, 3 skipped".
 */
function runTests(turboArgs) {
  const [cmd, args, runEnv] = pnpmCommand(['exec', 'turbo', 'run', 'typecheck', 'lint', 'test', '--concurrency=2', '--continue', ...turboArgs]);
  const child = spawn(cmd, args, { cwd: root, env: runEnv, stdio: ['ignore', 'pipe', 'pipe'] });
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

const tasks = {
  setup: () => {},
  demo: () => pnpm(['--filter', '@agentstate/demo', 'start']),
  test: runTests,
};

function main([task, ...rest]) {
  if (!(task in tasks)) {
    console.error(`usage: node tooling/bootstrap/run.mjs <${Object.keys(tasks).join('|')}> [turbo arguments for test]`);
    process.exit(2);
  }
  pnpm(['install', '--reporter=append-only']);
  pnpm(['exec', 'turbo', 'run', 'generate', '--output-logs=errors-only']);
  tasks[task](rest);
}

main(process.argv.slice(2));

// `pnpm bench` / `tsx src/main.ts [--quick] [--rtt ms,…] [--out file]`: creates a fresh
// database on the PostgreSQL server, runs every scenario, prints the tables,
// writes the figures as JSON, and drops the database (also on failure or Ctrl-C).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_OUT, parseArgs, USAGE, UsageError } from './args';
import { createBenchDatabase, serverUrl } from './database';
import { formatReport, formatTargets } from './report';
import type { BenchReport } from './results';
import { runBench } from './run';
import { formatGrowingStorage, runGrowingStorageScenario } from './scenarios/growingStorage';
import { DEFAULT_SETTINGS, QUICK_SETTINGS } from './settings';

const t0 = performance.now();
const log = (message: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);

export async function main(argv: readonly string[]): Promise<BenchReport | null> {
  const args = parseArgs(argv);
  if (args.help) {
    console.log(USAGE);
    return null;
  }
  // The bench writes to a database of its own and measures first saves of new dev users, which
  // only a development/test process may create: unless the environment says otherwise, it is one.
  if (process.env.AGENT_STATE_ENV === undefined && process.env.NODE_ENV === undefined) process.env.AGENT_STATE_ENV = 'development';
  const base = args.quick ? QUICK_SETTINGS : DEFAULT_SETTINGS;
  const settings = { ...base, ...(args.warmup === undefined ? {} : { jitWarmupOps: args.warmup }), ...(args.rtts === undefined ? {} : { rtts: args.rtts }) };
  const startedAt = new Date();
  const started = performance.now();
  const database = await createBenchDatabase(serverUrl());
  if (args.only === 'storage') return runStorageOnly(database, settings, args.out === DEFAULT_OUT ? path.join(path.dirname(DEFAULT_OUT), 'storage.json') : args.out, startedAt);
  log(`mode ${settings.mode}, database ${database.name}`);
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: dropping ${database.name}`);
    void database.drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let report: BenchReport;
  try {
    const { postgresVersion, ...body } = await runBench({ settings, url: database.url, log, ...(args.only ? { only: args.only } : {}) });
    report = {
      meta: {
        mode: settings.mode,
        startedAt: startedAt.toISOString(),
        wallSeconds: Math.round((performance.now() - started) / 100) / 10,
        node: process.versions.node,
        cpus: os.cpus().length,
        loadAverage: os.loadavg(),
        postgres: postgresVersion,
        database: database.name,
        poolSize: settings.poolSize,
        jitWarmupOps: settings.jitWarmupOps,
        payloads: settings.payloads,
        rtts: args.only === 'reads' ? [0] : settings.rtts,
        ...(args.only ? { only: args.only } : {}),
      },
      ...body,
    };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await database.drop();
  }
  mkdirSync(path.dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatReport(report));
  log(`wrote ${args.out}; dropped ${database.name}; ${report.meta.wallSeconds} s`);
  return report;
}

/** `--only storage`: the growing-state storage scenario alone and its targets, printed and written as JSON (a partial report). */
async function runStorageOnly(database: Awaited<ReturnType<typeof createBenchDatabase>>, settings: typeof DEFAULT_SETTINGS, out: string, startedAt: Date): Promise<null> {
  log(`mode ${settings.mode}, only the storage scenario, database ${database.name}`);
  try {
    const { result, targets } = await runGrowingStorageScenario(database.url, settings.growingStorage, log);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ meta: { mode: settings.mode, only: 'storage', startedAt: startedAt.toISOString(), node: process.versions.node, cpus: os.cpus().length, loadAverage: os.loadavg() }, growingStorage: result, targets }, null, 2)}\n`);
    console.log([...formatGrowingStorage(result), '', ...formatTargets(targets)].join('\n'));
    log(`wrote ${out}; dropping ${database.name}`);
  } finally {
    await database.drop();
  }
  return null;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  });
}

/**
 * The whole run on one fresh PostgreSQL database: saves (1 and N clients, each
 * payload), then reads at growing history sizes, then the round-trip profile;
 * then saves at 1 client on in-memory PGlite. Returns everything but `meta`.
 */
import { openPgliteBackend, openPostgresBackend, type Backend } from './clients';
import { latestReaders, pageReaders, PG_ONLY_SAVE_CONTENDERS, SAVE_BASELINE, SAVE_CONTENDERS, SAVE_DIAGNOSTICS, verifyReaders, type SaveContender } from './contenders';
import { measureInterleaved, type ContenderResult, type MeasureSettings } from './measure';
import { makePayload, stateFor, type Payload } from './payloads';
import { profileRoundTrips } from './profile/roundTrips';
import { runDeltaChannelScenario } from './scenarios/deltaChannel';
import type { BenchReport, NoiseCheck, Scenario, ScenarioRow, StoredBytes } from './results';
import { createHistorySeeder, latestMeasuredStep, truncateAll } from './seed';
import { createServerCpuSampler, type ServerCpuSampler } from './serverCpu';
import type { BenchSettings } from './settings';
import { perRoundRatios, spreadOf } from './stats';
import { startStorageProbe, type StorageProbe } from './storage';
import { computeGrowth, evaluateTargets, saveKey } from './targets';
import { createYardstickTable } from './yardstick';

export interface RunOptions {
  settings: BenchSettings;
  /** URL of the fresh, migrated bench database */
  url: string;
  log(message: string): void;
}

export type RunResult = Omit<BenchReport, 'meta'> & { postgresVersion: string };

/** Every row's ratios to the baseline, round by round (both ran in the same rounds), with their spread. */
function withBaseline(results: ContenderResult[], baseline: string, storage: Map<string, StoredBytes> | null): ScenarioRow[] {
  const base = results.find((r) => r.id === baseline);
  if (!base) throw new Error(`baseline ${baseline} was not measured`);
  return results.map((r) => ({
    ...r,
    vsBaselineMedianMs: spreadOf(perRoundRatios(r.rounds, base.rounds, (x) => x.medianMs)),
    vsBaselineOpsPerSec: spreadOf(perRoundRatios(r.rounds, base.rounds, (x) => x.opsPerSec)),
    storage: storage?.get(r.id) ?? null,
  }));
}

/** raw-insert-prepared vs the yardstick: the same prepared INSERT into two tables of one layout, per PostgreSQL save scenario. */
function noiseChecks(scenarios: Scenario[]): NoiseCheck[] {
  return scenarios.flatMap((s) => {
    const twin = s.kind === 'save' ? s.results.find((r) => r.id === 'raw-insert-prepared') : undefined;
    return twin ? [{ scenario: s.key, medianMs: twin.vsBaselineMedianMs, opsPerSec: twin.vsBaselineOpsPerSec }] : [];
  });
}

export async function runBench({ settings, url, log }: RunOptions): Promise<RunResult> {
  const payloads = settings.payloads.map((p) => makePayload(p.label, p.bytes));
  let nextNumber = 0;
  const nextId = () => ++nextNumber;
  const scenarios: Scenario[] = [];
  const profile: RunResult['profile'] = { roundTrips: [] };

  const saveScenario = async (backend: Backend, payload: Payload, concurrency: number, contenders: SaveContender[], measure: MeasureSettings, cpu: ServerCpuSampler | null) => {
    const key = saveKey(backend.kind, payload.label, concurrency);
    log(`${key}: ${contenders.length} contenders, ${measure.rounds} rounds x ${measure.opsPerRound} ops (+${measure.warmupOps} warm-up)`);
    // Stored bytes: from after the warm-up (first pages of new tables and indexes, setup rows excluded) to the end.
    let probe: StorageProbe | undefined;
    const results = await measureInterleaved(contenders, measure, cpu, {
      afterWarmup: async () => {
        probe = await startStorageProbe(backend.sql, contenders);
      },
    });
    const storage = await (probe as StorageProbe).finish();
    scenarios.push({
      key,
      kind: 'save',
      backend: backend.kind,
      payload: payload.label,
      payloadBytes: payload.bytes,
      concurrency,
      historyRows: null,
      measuredThreadRows: null,
      baseline: SAVE_BASELINE,
      results: withBaseline(results, SAVE_BASELINE, storage),
    });
  };

  let postgresVersion = 'unknown';
  const cpu = await createServerCpuSampler(url);
  const pg = await openPostgresBackend(url, settings.poolSize);
  try {
    postgresVersion = (await pg.sql.query<{ server_version: string }>('SHOW server_version'))[0]?.server_version ?? postgresVersion;
    await createYardstickTable(pg.sql);
    for (const concurrency of settings.concurrencies) {
      for (const payload of payloads) {
        const context = { backend: pg, payload, nextId };
        const contenders = [...SAVE_CONTENDERS, ...SAVE_DIAGNOSTICS].map((factory) => factory(context));
        const measure = settings.saves(payload.bytes, concurrency);
        // The first scenario warms every client's code (see jitWarmupOps); the later ones reuse the same clients.
        const warmupOps = scenarios.length === 0 ? Math.max(measure.warmupOps, settings.jitWarmupOps) : measure.warmupOps;
        await saveScenario(pg, payload, concurrency, contenders, { ...measure, warmupOps }, cpu);
      }
    }

    // Reads: exactly N rows in the table at each level, nothing left from the saves.
    await truncateAll(pg.sql);
    const seeder = createHistorySeeder(pg.sql, pg.saver as NonNullable<Backend['saver']>, pg.agentSaver, stateFor(payloads[0] as Payload, 0), settings.poolSize);
    for (const rows of settings.historyLevels) {
      const started = performance.now();
      const shape = await seeder.seedTo(rows);
      await verifyReaders(pg, latestMeasuredStep(rows), shape.measuredThreadRows);
      log(`history ${rows} rows (measured thread ${shape.measuredThreadRows}, ${shape.threads} threads; both LangGraph savers' through put) seeded in ${Math.round(performance.now() - started)} ms`);
      for (const [kind, readers, baseline] of [
        ['read-latest', latestReaders(pg), 'raw-latest'],
        ['read-page', pageReaders(pg), 'raw-page'],
      ] as const) {
        const results = await measureInterleaved(readers, settings.reads, cpu);
        scenarios.push({
          key: `${kind} postgresql ${rows} rows`,
          kind,
          backend: 'postgresql',
          payload: payloads[0]?.label ?? null,
          payloadBytes: payloads[0]?.bytes ?? null,
          concurrency: settings.reads.concurrency,
          historyRows: rows,
          measuredThreadRows: shape.measuredThreadRows,
          baseline,
          results: withBaseline(results, baseline, null),
        });
      }
    }
  } finally {
    await pg.close();
    await cpu?.close();
  }
  // After closing the measured clients: their pools hold up to 16 connections each, and a
  // test run shares the server's max_connections with other suites running at the same time.
  log('profile: round trips and statements per operation (wire counter)');
  profile.roundTrips = await profileRoundTrips(url, payloads[0] as Payload, nextId, settings.profileOps, true);
  const delta = await runDeltaChannelScenario(url, settings.deltaChannel, log);

  if (settings.pglite) {
    const lite = await openPgliteBackend();
    try {
      await createYardstickTable(lite.sql);
      for (const payload of payloads) {
        const context = { backend: lite, payload, nextId };
        // LangGraph's saver and named statements need pg (a server); the raw contenders go through Prisma's raw API here.
        const contenders = SAVE_CONTENDERS.filter((factory) => !PG_ONLY_SAVE_CONTENDERS.has(factory)).map((factory) => factory(context));
        await saveScenario(lite, payload, 1, contenders, settings.saves(payload.bytes, 1), null);
      }
    } finally {
      await lite.close();
    }
  }

  const growth = computeGrowth(scenarios);
  const labels = payloads.map((p) => p.label);
  const targets = [...evaluateTargets(scenarios, growth, labels, { one: 1, many: Math.max(...settings.concurrencies) }), ...delta.targets];
  const first = scenarios.find((s) => s.key === saveKey('postgresql', labels[0] as string, 1));
  const contenders = (first?.results ?? []).filter((r) => !r.diagnostic).map((r) => ({ id: r.id, label: r.label }));
  return { postgresVersion, contenders, scenarios, growth, targets, noise: noiseChecks(scenarios), profile, deltaChannel: delta.result };
}

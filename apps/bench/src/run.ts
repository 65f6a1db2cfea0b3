/**
 * The whole run on one fresh PostgreSQL database: saves (1 and N clients, each
 * payload) at each distance (round-trip time; 0: direct, others through a
 * delay link), then reads at growing history sizes, each level measured at
 * each distance, then the round-trip profile; then saves at 1 client on
 * in-memory PGlite. Returns everything but `meta`.
 */
import { openPgliteBackend, openPostgresBackend, type Backend } from './clients';
import { latestReaders, pageReaders, PG_ONLY_SAVE_CONTENDERS, SAVE_BASELINE, SAVE_CONTENDERS, SAVE_DIAGNOSTICS, verifyReaders, type SaveContender } from './contenders';
import { LinkMeter, measureAchievedRtt, openLink, type AchievedRtt, type Link, type LinkActivity, type ProxyStats } from './link';
import { measureInterleaved, type Contender, type ContenderResult, type MeasureSettings } from './measure';
import { makePayload, stateFor, type Payload } from './payloads';
import { profileRoundTrips } from './profile/roundTrips';
import { runDeltaChannelScenario } from './scenarios/deltaChannel';
import { runGrowingStorageScenario } from './scenarios/growingStorage';
import { runReadCostScenario } from './scenarios/readCost';
import type { BenchReport, LinkReport, NoiseCheck, OperationProfile, Scenario, ScenarioRow, StoredBytes } from './results';
import { createHistorySeeder, latestMeasuredStep, truncateAll } from './seed';
import { createServerCpuSampler, type ServerCpuSampler } from './serverCpu';
import type { BenchSettings } from './settings';
import { perRoundRatios, spreadOf } from './stats';
import { startStorageProbe, type StorageProbe } from './storage';
import { computeGrowth, evaluateTargets, readKey, saveKey } from './targets';
import { createYardstickTable } from './yardstick';

export interface RunOptions {
  settings: BenchSettings;
  /** URL of the fresh, migrated bench database */
  url: string;
  log(message: string): void;
  /** run only this part (--only) */
  only?: 'reads' | 'storage';
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

/** One distance: the delay link (null at 0: a direct connection) and the URL its clients connect to. */
interface Distance {
  rttMs: number;
  link: Link | null;
  url: string;
  meter: LinkMeter;
  /** SELECT 1 through the link and direct, before its saves and after the reads (none without a link) */
  achieved: Array<AchievedRtt & { when: string }>;
}

/**
 * Measures contenders interleaved (measure.ts); through a link, also the
 * round trips of each batch and the link's own activity over the recorded
 * rounds. `afterWarmup` runs first thing after the warm-up (untimed).
 */
async function measureAt(
  distance: Distance,
  contenders: readonly Contender[],
  settings: MeasureSettings,
  cpu: ServerCpuSampler | null,
  afterWarmup?: () => Promise<void>,
): Promise<{ results: ContenderResult[]; link: LinkActivity | null }> {
  const { link } = distance;
  let start: { stats: ProxyStats; at: number } | undefined;
  const results = await measureInterleaved(contenders, settings, cpu, {
    afterWarmup: async () => {
      await afterWarmup?.();
      if (link) start = { stats: await link.stats(), at: performance.now() };
    },
    ...(link ? { roundTrips: async () => (await link.stats({ lateness: false })).traffic.roundTrips } : {}),
  });
  if (!link || !start) return { results, link: null };
  return { results, link: distance.meter.add(start.stats, await link.stats(), performance.now() - start.at) };
}

/** Loopback rows get the round trips the wire profile counted (1 client; at 16 clients group commit changes them, so none). */
function withProfiledRoundTrips(scenarios: Scenario[], profiles: OperationProfile[]): void {
  const counted = new Map(profiles.map((p) => [p.id, p.roundTripsPerOp]));
  for (const s of scenarios) {
    if (s.rttMs !== 0 || s.backend !== 'postgresql' || s.concurrency !== 1) continue;
    for (const r of s.results) r.roundTripsPerOp ??= counted.get(r.id) ?? null;
  }
}

/** --only reads: the read-cost scenario alone, its targets, nothing else. */
async function runReadsOnly({ settings, url, log }: RunOptions): Promise<RunResult> {
  const probe = await openPostgresBackend(url, 1);
  let postgresVersion = 'unknown';
  try {
    postgresVersion = (await probe.sql.query<{ server_version: string }>('SHOW server_version'))[0]?.server_version ?? postgresVersion;
  } finally {
    await probe.close();
  }
  const readCost = await runReadCostScenario(url, settings.readCost, settings.poolSize, log);
  return { postgresVersion, contenders: [], scenarios: [], growth: [], targets: readCost.targets, noise: [], links: [], profile: { roundTrips: [] }, readCost: readCost.result };
}

export async function runBench(options: RunOptions): Promise<RunResult> {
  if (options.only === 'reads') return runReadsOnly(options);
  const { settings, url, log } = options;
  const payloads = settings.payloads.map((p) => makePayload(p.label, p.bytes));
  let nextNumber = 0;
  const nextId = () => ++nextNumber;
  const scenarios: Scenario[] = [];
  const profile: RunResult['profile'] = { roundTrips: [] };

  const saveScenario = async (backend: Backend, distance: Distance | null, payload: Payload, concurrency: number, contenders: SaveContender[], measure: MeasureSettings, cpu: ServerCpuSampler | null) => {
    const rttMs = distance?.rttMs ?? 0;
    const key = saveKey(backend.kind, payload.label, concurrency, rttMs);
    log(`${key}: ${contenders.length} contenders, ${measure.rounds} rounds x ${measure.opsPerRound} ops (+${measure.warmupOps} warm-up)`);
    // Stored bytes: from after the warm-up (first pages of new tables and indexes, setup rows excluded) to the end.
    let probe: StorageProbe | undefined;
    const startProbe = async () => {
      probe = await startStorageProbe(backend.sql, contenders);
    };
    const { results, link } = distance ? await measureAt(distance, contenders, measure, cpu, startProbe) : { results: await measureInterleaved(contenders, measure, cpu, { afterWarmup: startProbe }), link: null };
    const storage = await (probe as StorageProbe).finish();
    scenarios.push({
      key,
      kind: 'save',
      backend: backend.kind,
      rttMs,
      link,
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
  // One link per distance above 0, each in a process of its own, open for the whole run (saves, then reads).
  const distances: Distance[] = [];
  let delta: Awaited<ReturnType<typeof runDeltaChannelScenario>> | undefined;
  let growingStorage: Awaited<ReturnType<typeof runGrowingStorageScenario>> | undefined;
  let readCost: Awaited<ReturnType<typeof runReadCostScenario>> | undefined;
  try {
    for (const rttMs of settings.rtts) {
      const link = rttMs > 0 ? await openLink(url, rttMs) : null;
      distances.push({ rttMs, link, url: link?.url ?? url, meter: new LinkMeter(), achieved: [] });
    }
    const measureRtt = async (distance: Distance, when: string) => {
      if (!distance.link) return;
      const achieved = { when, ...(await measureAchievedRtt(distance.link.url, url, settings.achievedRttQueries)) };
      distance.achieved.push(achieved);
      log(`link ${distance.rttMs} ms (${distance.link.scheduling}), ${when}: SELECT 1 median ${achieved.linkMedianMs} ms through it, ${achieved.directMedianMs} ms direct: ${achieved.addedMs} ms added`);
    };

    // Saves, one distance after the other, each on clients of its own (pools of 16 each: one distance's clients at a time).
    let yardstick = false;
    for (const distance of distances) {
      await measureRtt(distance, 'before its saves');
      const pg = await openPostgresBackend(distance.url, settings.poolSize);
      try {
        postgresVersion = (await pg.sql.query<{ server_version: string }>('SHOW server_version'))[0]?.server_version ?? postgresVersion;
        if (!yardstick) await createYardstickTable(pg.sql);
        yardstick = true;
        let first = true;
        for (const concurrency of settings.concurrencies) {
          for (const payload of payloads) {
            const context = { backend: pg, payload, nextId };
            const contenders = [...SAVE_CONTENDERS, ...SAVE_DIAGNOSTICS].map((factory) => factory(context));
            const measure = settings.saves(payload.bytes, concurrency);
            // The run's first scenario warms every client's code (see jitWarmupOps); a link pass's first one opens its
            // new clients' connections through the link (linkWarmupOps); the later ones reuse the same clients.
            const warmupOps = first ? Math.max(measure.warmupOps, distance.link ? settings.linkWarmupOps : settings.jitWarmupOps) : measure.warmupOps;
            first = false;
            await saveScenario(pg, distance.link ? distance : null, payload, concurrency, contenders, { ...measure, warmupOps }, cpu);
          }
        }
      } finally {
        await pg.close();
      }
    }

    // Reads: exactly N rows in the table at each level, nothing left from the saves; seeded directly, read at each distance.
    const direct = await openPostgresBackend(url, settings.poolSize);
    const readers = new Map<Distance, Backend>();
    try {
      for (const distance of distances) readers.set(distance, distance.link ? await openPostgresBackend(distance.url, settings.poolSize) : direct);
      await truncateAll(direct.sql);
      const seeder = createHistorySeeder(direct.sql, direct.saver as NonNullable<Backend['saver']>, direct.agentSaver, stateFor(payloads[0] as Payload, 0), settings.poolSize);
      for (const rows of settings.historyLevels) {
        const started = performance.now();
        const shape = await seeder.seedTo(rows);
        await verifyReaders(direct, latestMeasuredStep(rows), shape.measuredThreadRows);
        log(`history ${rows} rows (measured thread ${shape.measuredThreadRows}, ${shape.threads} threads; both LangGraph savers' through put) seeded in ${Math.round(performance.now() - started)} ms`);
        for (const distance of distances) {
          const backend = readers.get(distance) as Backend;
          for (const [kind, contenders, baseline] of [
            ['read-latest', latestReaders(backend), 'raw-latest'],
            ['read-page', pageReaders(backend), 'raw-page'],
          ] as const) {
            const { results, link } = await measureAt(distance, contenders, settings.reads, cpu);
            scenarios.push({
              key: readKey(kind, rows, distance.rttMs),
              kind,
              backend: 'postgresql',
              rttMs: distance.rttMs,
              link,
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
      }
    } finally {
      await Promise.allSettled([...new Set([direct, ...readers.values()])].map((b) => b.close()));
    }
    for (const distance of distances) await measureRtt(distance, 'after the reads');
    delta = await runDeltaChannelScenario(url, distances, settings.deltaChannel, log);
    growingStorage = await runGrowingStorageScenario(url, settings.growingStorage, log);
    readCost = await runReadCostScenario(url, settings.readCost, settings.poolSize, log);
  } finally {
    await Promise.allSettled(distances.map((d) => d.link?.close()));
    await cpu?.close();
  }
  // After closing the measured clients: their pools hold up to 16 connections each, and a
  // test run shares the server's max_connections with other suites running at the same time.
  log('profile: round trips and statements per operation (wire counter)');
  profile.roundTrips = await profileRoundTrips(url, payloads[0] as Payload, nextId, settings.profileOps, true);
  withProfiledRoundTrips(scenarios, profile.roundTrips);

  if (settings.pglite) {
    const lite = await openPgliteBackend();
    try {
      await createYardstickTable(lite.sql);
      for (const payload of payloads) {
        const context = { backend: lite, payload, nextId };
        // LangGraph's saver and named statements need pg (a server); the raw contenders go through Prisma's raw API here.
        const contenders = SAVE_CONTENDERS.filter((factory) => !PG_ONLY_SAVE_CONTENDERS.has(factory)).map((factory) => factory(context));
        await saveScenario(lite, null, payload, 1, contenders, settings.saves(payload.bytes, 1), null);
      }
    } finally {
      await lite.close();
    }
  }

  const links: LinkReport[] = distances.flatMap(({ rttMs, link, achieved, meter }) => (link ? [{ rttMs, scheduling: link.scheduling, achieved, activity: meter.total() }] : []));
  const growth = computeGrowth(scenarios);
  const labels = payloads.map((p) => p.label);
  const targets = evaluateTargets(scenarios, growth, labels, { one: 1, many: Math.max(...settings.concurrencies) }, settings.rtts);
  if (delta) targets.push(...delta.targets);
  if (growingStorage) targets.push(...growingStorage.targets);
  if (readCost) targets.push(...readCost.targets);
  const first = scenarios.find((s) => s.key === saveKey('postgresql', labels[0] as string, 1, settings.rtts[0]));
  const contenders = (first?.results ?? []).filter((r) => !r.diagnostic).map((r) => ({ id: r.id, label: r.label }));
  return { postgresVersion, contenders, scenarios, growth, targets, noise: noiseChecks(scenarios), links, profile, ...(delta ? { deltaChannel: delta.result } : {}), ...(growingStorage ? { growingStorage: growingStorage.result } : {}), ...(readCost ? { readCost: readCost.result } : {}) };
}

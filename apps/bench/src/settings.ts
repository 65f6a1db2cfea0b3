/**
 * How much to measure. Default: sized to finish in well under 10 minutes on a
 * 2-core machine; --quick: a smoke run (< 1 minute) with smaller payloads and
 * histories, still every contender and every scenario kind.
 */
import type { MeasureSettings } from './measure';
import type { DeltaChannelSettings } from './scenarios/deltaChannel';
import { WORKLOADS, type GrowingStorageSettings } from './scenarios/growingStorage';
import type { ReadCostSettings } from './scenarios/readCost';

export interface BenchSettings {
  mode: 'default' | 'quick';
  payloads: Array<{ label: string; bytes: number }>;
  concurrencies: number[];
  /** pg pool max, Prisma adapter pool max, LangGraph's pool max */
  poolSize: number;
  saves(payloadBytes: number, concurrency: number): MeasureSettings;
  reads: MeasureSettings;
  /** total snapshot rows in the table at each read level */
  historyLevels: number[];
  pglite: boolean;
  /** operations per contender in the round-trip profile */
  profileOps: number;
  /**
   * Warm-up operations per contender in the first save scenario (1 KB, 1
   * client), before anything is measured. V8 compiles optimized code for a
   * function only after thousands of calls, and each client instance's
   * closures (four services, two savers, the Prisma extension) warm on their
   * own: with a few warm-up operations, the compiler threads were still at
   * work through the measured rounds, charging contenders with more
   * JavaScript per operation for a start-up cost a running server has long
   * paid. Later scenarios reuse the same clients, warm.
   */
  jitWarmupOps: number;
  /**
   * Round-trip times (ms) every PostgreSQL scenario runs at: 0 connects
   * directly (loopback), any other value through a delay link (link/) adding
   * that round trip. Each distance is a pass of its own, its contenders
   * interleaved as at loopback.
   */
  rtts: number[];
  /**
   * Warm-up operations per contender in a link pass's first save scenario.
   * Its clients are new (new pools, new connections through the link), but
   * the code is the loopback pass's, already compiled: the warm-up opens
   * connections and prepares statements, and 3,000 operations of every
   * contender at several round trips each would take minutes.
   */
  linkWarmupOps: number;
  /** SELECT 1 queries, through the link and direct, whose medians give the achieved round trip */
  achievedRttQueries: number;
  /** the DeltaChannel chat (scenarios/deltaChannel.ts) */
  deltaChannel: DeltaChannelSettings;
  /** growing-state storage (scenarios/growingStorage.ts) */
  growingStorage: GrowingStorageSettings;
  /** each read beside its raw floor (scenarios/readCost.ts) */
  readCost: ReadCostSettings;
}

const KB = 1024;
const READ_COST_PAYLOADS = [
  { label: '1KB', bytes: KB },
  { label: '100KB', bytes: 100 * KB },
  // 1,000,000 bytes: a state of 1 MiB would exceed the service's default maxStateBytes.
  { label: '1MB', bytes: 1_000_000 },
];
/** Pages and lineages of 50 rows, 5 at 1 MB: all within the 8 MiB read budget, so the floor's LIMIT returns the same rows. */
const readCostPageRows = (bytes: number) => (bytes >= 500 * KB ? 5 : 50);

export const DEFAULT_SETTINGS: BenchSettings = {
  mode: 'default',
  payloads: [
    { label: '1KB', bytes: KB },
    { label: '100KB', bytes: 100 * KB },
  ],
  concurrencies: [1, 16],
  poolSize: 16,
  saves(payloadBytes, concurrency) {
    const large = payloadBytes > 10 * KB;
    // maxBatchMs: a safety net on a heavily loaded machine, not expected to trigger.
    if (concurrency === 1) return large ? { concurrency, warmupOps: 10, rounds: 10, opsPerRound: 20, maxBatchMs: 8000 } : { concurrency, warmupOps: 20, rounds: 10, opsPerRound: 40, maxBatchMs: 8000 };
    return large ? { concurrency, warmupOps: 32, rounds: 6, opsPerRound: 96, maxBatchMs: 8000 } : { concurrency, warmupOps: 64, rounds: 8, opsPerRound: 320, maxBatchMs: 8000 };
  },
  // LangGraph's list reads every blob of the thread per checkpoint (see the report), ~0.7 s at 100k rows: capped per batch.
  reads: { concurrency: 1, warmupOps: 20, rounds: 10, opsPerRound: 50, maxBatchMs: 1500 },
  historyLevels: [1_000, 10_000, 100_000],
  pglite: true,
  profileOps: 5,
  jitWarmupOps: 3000,
  rtts: [0, 1],
  linkWarmupOps: 200,
  achievedRttQueries: 200,
  deltaChannel: { turns: 200, earlyTurn: 10, warmupOps: 5, rounds: 10, opsPerRound: 10 },
  // timing: 15 rounds of 3 saves and 3 reads per side, after the chat thread's 1,000 saves (about 45 more saves of ~1 MB each side)
  growingStorage: { marks: [200, 1000], wholeUpTo: 200, workloads: WORKLOADS, saverTurns: [200], timing: { warmupOps: 2, rounds: 15, opsPerRound: 3 } },
  readCost: {
    payloads: READ_COST_PAYLOADS,
    concurrencies: [1, 16],
    pageRows: readCostPageRows,
    // The first scenario's warm-up also compiles the read code (the run may start here: --only reads).
    measure(bytes, concurrency) {
      const many = concurrency > 1;
      if (bytes <= 10 * KB) return { concurrency, warmupOps: many ? 320 : 1000, rounds: 10, opsPerRound: many ? 320 : 100, maxBatchMs: 4000 };
      // 16 clients reading 5 MB pages take about a second each at load 17 on 2 cores: small batches, capped.
      if (bytes <= 200 * KB) return { concurrency, warmupOps: many ? 16 : 10, rounds: 8, opsPerRound: many ? 32 : 12, maxBatchMs: 4000 };
      return { concurrency, warmupOps: many ? 16 : 4, rounds: 6, opsPerRound: many ? 16 : 8, maxBatchMs: 4000 };
    },
    profileOps: 3,
  },
};

export const QUICK_SETTINGS: BenchSettings = {
  mode: 'quick',
  payloads: [
    { label: '1KB', bytes: KB },
    { label: '10KB', bytes: 10 * KB },
  ],
  concurrencies: [1, 16],
  // A smoke run shares the server with test suites running beside it (npm test runs two packages at
  // once): small pools keep it well inside max_connections; 16 clients then wait for a connection.
  poolSize: 4,
  saves: (_payloadBytes, concurrency) =>
    concurrency === 1 ? { concurrency, warmupOps: 3, rounds: 2, opsPerRound: 8 } : { concurrency, warmupOps: 16, rounds: 2, opsPerRound: 32 },
  reads: { concurrency: 1, warmupOps: 3, rounds: 2, opsPerRound: 10 },
  historyLevels: [1_000, 2_000],
  pglite: true,
  profileOps: 2,
  jitWarmupOps: 3,
  rtts: [0, 1],
  linkWarmupOps: 3,
  achievedRttQueries: 20,
  deltaChannel: { turns: 20, earlyTurn: 10, warmupOps: 1, rounds: 2, opsPerRound: 2 },
  // a smoke run: 50 saves of the chat workload (every workload at 200 and 1,000 saves: the default run, or --only storage)
  growingStorage: { marks: [50], wholeUpTo: 50, workloads: ['chat'], saverTurns: [10], timing: { warmupOps: 1, rounds: 3, opsPerRound: 1 } },
  readCost: {
    payloads: READ_COST_PAYLOADS,
    concurrencies: [1, 16],
    pageRows: readCostPageRows,
    measure(bytes, concurrency) {
      const many = concurrency > 1;
      if (bytes <= 10 * KB) return { concurrency, warmupOps: many ? 32 : 50, rounds: 2, opsPerRound: many ? 32 : 20 };
      if (bytes <= 200 * KB) return { concurrency, warmupOps: many ? 8 : 2, rounds: 2, opsPerRound: many ? 16 : 3 };
      return { concurrency, warmupOps: many ? 4 : 1, rounds: 2, opsPerRound: many ? 16 : 2 };
    },
    profileOps: 1,
  },
};

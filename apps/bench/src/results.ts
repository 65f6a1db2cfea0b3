/** The shape of results/latest.json. */
import type { AchievedRtt, LinkActivity } from './link';

export type { LinkActivity } from './link';
import type { ContenderResult } from './measure';
import type { RatioSpread } from './stats';
import type { DeltaChannelResult } from './scenarios/deltaChannel';
import type { GrowingStorageResult } from './scenarios/growingStorage';
import type { ReadCostResult } from './scenarios/readCost';

export type { RatioSpread } from './stats';

export interface ScenarioRow extends ContenderResult {
  /** per round: this contender's median latency / the baseline's median latency in the same round; median, min, max over the rounds */
  vsBaselineMedianMs: RatioSpread;
  /** per round: this contender's ops/s / the baseline's ops/s in the same round */
  vsBaselineOpsPerSec: RatioSpread;
  /** stored bytes per snapshot (save scenarios; null for reads and diagnostics without rows of their own) */
  storage: StoredBytes | null;
}

/**
 * Stored bytes per snapshot of one save contender in one scenario (storage.ts).
 * - onDiskBytesPerRow: growth of pg_total_relation_size (heap + TOAST + every
 *   index + free-space/visibility maps) of the table(s) the contender's snapshots
 *   went to, during the scenario, divided by the rows added to them. For
 *   agent_state_snapshots this is shared by every contender writing there
 *   (identical rows, one table): `sharedWith` lists them.
 * - rowBytes: the contender's own rows, averaged: pg_column_size of the whole
 *   row (toasted values counted compressed, as stored); for LangGraph the
 *   checkpoint row plus its blob row(s). Excludes indexes and page overhead.
 */
export interface StoredBytes {
  tables: string[];
  onDiskBytesPerRow: number;
  rowsAdded: number;
  sharedWith: string[];
  rowBytes: number;
  ownRows: number;
}

/** One distance of the run: the link's set-up and what it really added. */
export interface LinkReport {
  rttMs: number;
  /** how the link process was scheduled (real-time or not, timer slack) */
  scheduling: string;
  /** SELECT 1 through the link and direct, medians: before the distance's saves and after the reads */
  achieved: Array<AchievedRtt & { when: string }>;
  /** over every scenario of this distance */
  activity: LinkActivity;
}

export interface Scenario {
  /** e.g. "save postgresql 1KB c=16", "read-page postgresql 100000 rows", "save postgresql 1KB c=1 rtt=1ms" */
  key: string;
  kind: 'save' | 'read-latest' | 'read-page';
  backend: 'postgresql' | 'pglite';
  /** round-trip time added by the delay link; 0: direct connection (loopback) */
  rttMs: number;
  /** the link's activity over the recorded rounds (null at 0: no link) */
  link: LinkActivity | null;
  payload: string | null;
  payloadBytes: number | null;
  concurrency: number;
  historyRows: number | null;
  measuredThreadRows: number | null;
  /** contender id the ratios are relative to */
  baseline: string;
  results: ScenarioRow[];
}

export interface Growth {
  kind: 'read-latest' | 'read-page';
  id: string;
  label: string;
  smallRows: number;
  largeRows: number;
  smallMedianMs: number;
  largeMedianMs: number;
  /** median of the ratios of every round at the large level to every round at the small level (levels are minutes apart, not interleaved) */
  ratio: number;
  spread: RatioSpread;
}

export interface TargetResult {
  id: string;
  description: string;
  /** the distance the target holds at (0: loopback) */
  rttMs: number;
  /** the median of the per-round ratios (rounded to 4 digits for display; pass uses the unrounded value) */
  value: number;
  /** min and max of the per-round ratios */
  min: number;
  max: number;
  /** how many ratios the median is taken over */
  n: number;
  comparison: '<=' | '>=';
  threshold: number;
  /** the median meets the threshold */
  pass: boolean;
  /** false when the min-max range straddles the threshold: some rounds pass, some miss */
  conclusive: boolean;
  /** how the value was computed */
  detail: string;
}

/**
 * The same prepared INSERT into two tables of identical layout
 * (raw-insert-prepared vs yardstick-insert): ideally 1.00x. Its spread is the
 * noise any other ratio of the scenario carries.
 */
export interface NoiseCheck {
  scenario: string;
  medianMs: RatioSpread;
  opsPerSec: RatioSpread;
}

export interface StatementCount {
  sql: string;
  perOp: number;
}

export interface OperationProfile {
  id: string;
  label: string;
  roundTripsPerOp: number;
  statementsPerOp: number;
  statements: StatementCount[];
}

export interface BenchReport {
  meta: {
    mode: 'default' | 'quick';
    startedAt: string;
    wallSeconds: number;
    node: string;
    cpus: number;
    loadAverage: number[];
    postgres: string;
    database: string;
    poolSize: number;
    /** warm-up operations per contender in the first save scenario (absent in reports written before it was recorded) */
    jitWarmupOps?: number;
    payloads: Array<{ label: string; bytes: number }>;
    /** the distances measured (ms of round trip added; 0: loopback), absent in reports from before the link */
    rtts?: number[];
    /** set when the run measured only a part (--only) */
    only?: 'reads';
  };
  /** the save contenders (diagnostics excluded), in table order */
  contenders: Array<{ id: string; label: string }>;
  scenarios: Scenario[];
  growth: Growth[];
  targets: TargetResult[];
  noise: NoiseCheck[];
  /** one per distance above 0 */
  links: LinkReport[];
  profile: {
    roundTrips: OperationProfile[];
  };
  /** the DeltaChannel chat (absent in reports written before it existed) */
  deltaChannel?: DeltaChannelResult;
  /** growing-state storage per workload (absent in reports written before it existed) */
  growingStorage?: GrowingStorageResult;
  /** each read beside its raw floor (absent in reports written before it existed) */
  readCost?: ReadCostResult;
}

/** The shape of results/latest.json. */
import type { ContenderResult } from './measure';

export interface ScenarioRow extends ContenderResult {
  /** median latency / the baseline's median latency */
  ratioMedianToBaseline: number;
  /** ops/s / the baseline's ops/s */
  ratioOpsToBaseline: number;
}

export interface Scenario {
  /** e.g. "save postgresql 1KB c=16", "read-page postgresql 100000 rows" */
  key: string;
  kind: 'save' | 'read-latest' | 'read-page';
  backend: 'postgresql' | 'pglite';
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
  /** largeMedianMs / smallMedianMs */
  ratio: number;
}

export interface TargetResult {
  id: string;
  description: string;
  /** the measured ratio */
  value: number;
  comparison: '<=' | '>=';
  threshold: number;
  pass: boolean;
  /** how the value was computed */
  detail: string;
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
    payloads: Array<{ label: string; bytes: number }>;
  };
  /** the six save contenders */
  contenders: Array<{ id: string; label: string }>;
  scenarios: Scenario[];
  growth: Growth[];
  targets: TargetResult[];
  profile: {
    roundTrips: OperationProfile[];
  };
}

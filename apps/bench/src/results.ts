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

/** Where the steady-state save's median goes, from the interleaved c=1 rows. */
export interface SteadyStateBreakdown {
  payload: string;
  rawMedianMs: number;
  /** service SQL via pg minus raw INSERT via pg */
  sqlShapeMs: number;
  /** raw INSERT via Prisma minus raw INSERT via pg */
  prismaPerQueryMs: number;
  /** saveSnapshot minus the two above minus raw */
  serviceRestMs: number;
  serviceMedianMs: number;
}

/** The steady-state save now and with the suggested change (D3/D4 rows), against the floor and LangGraph, per PostgreSQL save scenario. */
export interface WhatIf {
  scenario: string;
  rows: Array<{ id: string; label: string; medianMs: number; opsPerSec: number; medianVsRaw: number; opsVsLanggraph: number }>;
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
    steadyState: SteadyStateBreakdown[];
    whatIf: WhatIf[];
    /** whether each diagnostic's copied SQL is still exactly what the service sends (else its figures are stale) */
    sqlCopies: Array<{ diagnostic: string; service: string; matches: boolean }>;
  };
}

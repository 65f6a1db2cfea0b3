/** Summary figures of one contender in one scenario. */
export interface Summary {
  /** measured operations (warm-up excluded) */
  ops: number;
  medianMs: number;
  p99Ms: number;
  meanMs: number;
  minMs: number;
  /** measured operations divided by the wall time of the measured batches */
  opsPerSec: number;
  /** CPU of this benchmark process (driver, Prisma, service, serializers) per operation */
  clientCpuMsPerOp: number;
  /** CPU of the PostgreSQL backends serving this database per operation; null where it cannot be read (PGlite runs in-process, or no /proc) */
  serverCpuMsPerOp: number | null;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function summarize(samplesMs: readonly number[], wallMs: number, clientCpuMs: number, serverCpuMs: number | null): Summary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const ops = sorted.length;
  const mean = ops === 0 ? Number.NaN : sorted.reduce((sum, x) => sum + x, 0) / ops;
  return {
    ops,
    medianMs: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    meanMs: round(mean),
    minMs: round(sorted[0] ?? Number.NaN),
    opsPerSec: round(wallMs > 0 ? (ops * 1000) / wallMs : Number.NaN, 1),
    clientCpuMsPerOp: round(ops > 0 ? clientCpuMs / ops : Number.NaN),
    serverCpuMsPerOp: serverCpuMs === null ? null : round(ops > 0 ? serverCpuMs / ops : Number.NaN),
  };
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Median (mean of the two middle values for an even count), min and max of ratios; `perRound` keeps them in round order. */
export interface RatioSpread {
  median: number;
  min: number;
  max: number;
  /** how many ratios (rounds, or pairs of rounds for growth) */
  n: number;
  perRound?: number[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? (sorted[(n - 1) / 2] as number) : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
}

/** Spread of the ratios, rounded to 4 digits (targets take the unrounded median() themselves). */
export function spreadOf(ratios: readonly number[], keepValues = true): RatioSpread {
  return {
    median: round(median(ratios), 4),
    min: round(Math.min(...ratios), 4),
    max: round(Math.max(...ratios), 4),
    n: ratios.length,
    ...(keepValues ? { perRound: ratios.map((r) => round(r, 4)) } : {}),
  };
}

/** Round by round: figure(a in round r) / figure(b in round r). Both must have run the same rounds (one interleaved measurement). */
export function perRoundRatios<T>(a: readonly T[], b: readonly T[], figure: (round: T) => number): number[] {
  if (a.length !== b.length || a.length === 0) throw new Error(`per-round ratio needs the same rounds on both sides (${a.length} vs ${b.length})`);
  return a.map((round, r) => figure(round) / figure(b[r] as T));
}

/** Every round of `a` against every round of `b`: for figures not measured interleaved (history levels minutes apart). */
export function allPairRatios<T>(a: readonly T[], b: readonly T[], figure: (round: T) => number): number[] {
  return a.flatMap((x) => b.map((y) => figure(x) / figure(y)));
}

/** "0.86x (0.79–0.93)": median of the per-round ratios, then their min–max ("n/a" for a missing figure). */
export function spreadText(s: Pick<RatioSpread, 'median' | 'min' | 'max'>, digits = 2): string {
  // null: a ratio written to a results file as NaN comes back as null
  const fixed = (x: number | null) => (x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));
  return `${fixed(s.median)}x (${fixed(s.min)}–${fixed(s.max)})`;
}

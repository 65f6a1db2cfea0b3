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

/**
 * Interleaved measurement: every contender runs on the same database in the
 * same period, one batch each per round, in an order shuffled per round
 * (seeded: roundOrder), so none always runs right after the same one,
 * after one warm-up batch each that is not recorded. Noise on a shared
 * machine then hits all contenders alike instead of whichever ran last.
 * Each contender's batch of each round is also kept on its own (`rounds`):
 * a ratio computed round by round compares two batches run seconds apart,
 * and the spread of those per-round ratios says how far the ratio can be trusted.
 */
import { seededRandom } from '@agentstate/db/testing';
import { cpuDeltaMs, type ServerCpuSampler } from './serverCpu';
import { percentile, round, summarize, type Summary } from './stats';

export interface OpContext {
  /** 0..concurrency-1: each concurrent client keeps its own user/thread */
  worker: number;
  /** unique per contender across its whole lifetime (ids of new users, payload variant) */
  index: number;
}

export interface Contender {
  /** stable key in the JSON output */
  id: string;
  label: string;
  /** profiling rows that explain a gap; not one of the six contenders */
  diagnostic?: boolean;
  /** creates what the contender needs before timing starts (rows, warm caches) */
  setup?(concurrency: number): Promise<void>;
  op(context: OpContext): Promise<void>;
}

export interface MeasureSettings {
  concurrency: number;
  warmupOps: number;
  rounds: number;
  opsPerRound: number;
  /** stop starting new ops in a batch after this long (a slow contender then gets fewer samples, not minutes) */
  maxBatchMs?: number;
}

/** One contender's recorded batch in one round. */
export interface RoundFigures {
  ops: number;
  medianMs: number;
  /** ops / the batch's wall time */
  opsPerSec: number;
}

export interface ContenderResult {
  id: string;
  label: string;
  diagnostic: boolean;
  summary: Summary;
  /** one entry per round, in round order (round r of every contender ran in the same pass) */
  rounds: RoundFigures[];
  /**
   * Round trips per recorded operation, counted by the delay link over the
   * recorded batches; null where no link carries the traffic (loopback: the
   * run fills it from the wire profile at 1 client).
   */
  roundTripsPerOp: number | null;
}

interface Tally {
  samples: number[];
  wallMs: number;
  clientCpuMs: number;
  serverCpuMs: number;
  nextIndex: number;
  rounds: RoundFigures[];
  roundTrips: number;
}

export async function measureInterleaved(
  contenders: readonly Contender[],
  settings: MeasureSettings,
  serverCpu: ServerCpuSampler | null,
  /**
   * afterWarmup: runs once between the warm-up batches and the first recorded round (untimed);
   * roundTrips: the link's round-trip count so far, read before and after each recorded batch (untimed)
   */
  hooks: { afterWarmup?(): Promise<void>; roundTrips?(): Promise<number> } = {},
): Promise<ContenderResult[]> {
  const tallies = new Map<Contender, Tally>(contenders.map((c) => [c, { samples: [], wallMs: 0, clientCpuMs: 0, serverCpuMs: 0, nextIndex: 0, rounds: [], roundTrips: 0 }]));
  const tally = (c: Contender) => tallies.get(c) as Tally;
  for (const contender of contenders) await contender.setup?.(settings.concurrency);
  for (const contender of contenders) await runBatch(contender, settings.warmupOps, settings, tally(contender), null, false);
  await hooks.afterWarmup?.();
  for (let round = 0; round < settings.rounds; round++) {
    for (const k of roundOrder(contenders.length, round)) {
      const contender = contenders[k] as Contender;
      const before = await hooks.roundTrips?.();
      await runBatch(contender, settings.opsPerRound, settings, tally(contender), serverCpu, true);
      const after = await hooks.roundTrips?.();
      if (before !== undefined && after !== undefined) tally(contender).roundTrips += after - before;
    }
  }
  return contenders.map((c) => {
    const t = tally(c);
    return {
      id: c.id,
      label: c.label,
      diagnostic: c.diagnostic ?? false,
      summary: summarize(t.samples, t.wallMs, t.clientCpuMs, serverCpu ? t.serverCpuMs : null),
      rounds: t.rounds,
      roundTripsPerOp: hooks.roundTrips && t.samples.length > 0 ? round(t.roundTrips / t.samples.length, 3) : null,
    };
  });
}

/**
 * The contenders' order in one round: a permutation of 0..count-1, shuffled
 * (Fisher-Yates) with the round as seed, so a run is repeatable and no
 * contender always runs right after the same one: a fixed rotation kept
 * every contender behind the same neighbour, so whatever a batch leaves
 * behind (garbage, warm connections of another pool, server caches) fell on
 * the same next contender every round.
 */
export function roundOrder(count: number, round: number): number[] {
  const random = seededRandom(0x9e3779b9 ^ round);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/** `ops` operations spread over `concurrency` workers, each worker awaiting its previous operation. */
async function runBatch(
  contender: Contender,
  ops: number,
  { concurrency, maxBatchMs = Number.POSITIVE_INFINITY }: MeasureSettings,
  tally: Tally,
  serverCpu: ServerCpuSampler | null,
  record: boolean,
): Promise<void> {
  if (ops <= 0) return;
  const latencies: number[] = [];
  let started = 0;
  const serverBefore = serverCpu ? await serverCpu.sample() : null;
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  const worker = async (id: number) => {
    while (started < ops && (started === 0 || performance.now() - t0 < maxBatchMs)) {
      started++;
      const index = tally.nextIndex++;
      const s = performance.now();
      await contender.op({ worker: id, index });
      latencies.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ops) }, (_, id) => worker(id)));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = serverCpu ? await serverCpu.sample() : null;
  if (!record) return;
  const sorted = [...latencies].sort((a, b) => a - b);
  tally.rounds.push({ ops: sorted.length, medianMs: round(percentile(sorted, 50), 4), opsPerSec: round((sorted.length * 1000) / wallMs, 2) });
  tally.samples.push(...latencies);
  tally.wallMs += wallMs;
  tally.clientCpuMs += (cpu.user + cpu.system) / 1000;
  if (serverBefore && serverAfter) tally.serverCpuMs += cpuDeltaMs(serverBefore, serverAfter);
}

/**
 * The targets, evaluated on figures of the same run. Each is a ratio taken
 * round by round (two contenders of one interleaved measurement, in the same
 * round), reported as the median with the min-max of the per-round ratios.
 * PASS/MISS is decided on the unrounded median; when the min-max range
 * straddles the threshold (some rounds pass, some miss) the result is
 * flagged as not conclusive.
 */
import type { RoundFigures } from './measure';
import type { Growth, Scenario, TargetResult } from './results';
import { allPairRatios, median, perRoundRatios, round, spreadOf } from './stats';

function row(scenarios: Scenario[], key: string, id: string) {
  const result = scenarios.find((s) => s.key === key)?.results.find((r) => r.id === id);
  if (!result) throw new Error(`no result for ${id} in "${key}"`);
  return result;
}

export function saveKey(backend: 'postgresql' | 'pglite', payload: string, concurrency: number): string {
  return `save ${backend} ${payload} c=${concurrency}`;
}

/** Conclusive when every ratio lies on the median's side of the threshold. */
export function target(id: string, description: string, ratios: readonly number[], comparison: '<=' | '>=', threshold: number, detail: string): TargetResult {
  const value = median(ratios); // unrounded: 0.604 does not pass "<= 0.6"
  const min = Math.min(...ratios);
  const max = Math.max(...ratios);
  const pass = comparison === '<=' ? value <= threshold : value >= threshold;
  const allPass = comparison === '<=' ? max <= threshold : min >= threshold;
  const allMiss = comparison === '<=' ? min > threshold : max < threshold;
  return {
    id,
    description,
    value: round(value, 4),
    min: round(min, 4),
    max: round(max, 4),
    n: ratios.length,
    comparison,
    threshold,
    pass,
    conclusive: allPass || allMiss,
    detail,
  };
}

const byMedian = (r: RoundFigures) => r.medianMs;
const byOps = (r: RoundFigures) => r.opsPerSec;

/** One contender against another in the same scenario, round by round. */
function pairTarget(
  scenarios: Scenario[],
  spec: { id: string; description: string; key: string; contender: string; baseline: string; by: 'median' | 'ops'; comparison: '<=' | '>='; threshold: number; floor?: string | string[] },
): TargetResult {
  const figure = spec.by === 'median' ? byMedian : byOps;
  const a = row(scenarios, spec.key, spec.contender);
  const b = row(scenarios, spec.key, spec.baseline);
  const ratios = perRoundRatios(a.rounds, b.rounds, figure);
  const detail =
    spec.by === 'median'
      ? `${a.rounds.length} rounds; all ops: ${a.summary.medianMs} / ${b.summary.medianMs} ms`
      : `${a.rounds.length} rounds; all ops: ${a.summary.opsPerSec} / ${b.summary.opsPerSec} ops/s`;
  // What bounds the goal, on the same measure: a plain single-row INSERT (the least a save does: one row, one commit),
  // the service's own statement sent raw, or the same save with unnamed statements (parsed and planned on every call).
  const floors = spec.floor === undefined ? [] : [spec.floor].flat();
  const floor = floors.map((id) => `; ${id} on the same measure: ${round(median(perRoundRatios(row(scenarios, spec.key, id).rounds, b.rounds, figure)), 3)}x`).join('');
  return target(spec.id, spec.description, ratios, spec.comparison, spec.threshold, detail + floor);
}

/** A target whose contenders were not measured in this run (e.g. --only) is left out, not failed. */
function measured(scenarios: Scenario[], key: string, ...ids: string[]): boolean {
  const scenario = scenarios.find((s) => s.key === key);
  return scenario !== undefined && ids.every((id) => scenario.results.some((r) => r.id === id));
}

/** The goals of issue 14 (throughput, large states, first and steady saves), the cost bounds of #13 and #15, and #12's saver put. */
export function evaluateTargets(scenarios: Scenario[], growth: Growth[], payloads: string[], concurrency: { one: number; many: number }): TargetResult[] {
  const targets: TargetResult[] = [];
  const small = payloads[0] as string;
  const large = payloads[payloads.length - 1] as string;
  const one = (payload: string) => saveKey('postgresql', payload, concurrency.one);
  const many = (payload: string) => saveKey('postgresql', payload, concurrency.many);
  const pair = (spec: Parameters<typeof pairTarget>[1]) => {
    if (measured(scenarios, spec.key, spec.contender, spec.baseline)) targets.push(pairTarget(scenarios, spec));
  };

  // The raw INSERT in the service's statement form: named prepared, as the service sends its saves by default.
  pair({ id: 'steady-vs-raw', description: `steady-state saveSnapshot median vs raw single-row INSERT, both named prepared (${small}, 1 client)`, key: one(small), contender: 'service-steady', baseline: 'raw-insert-prepared', by: 'median', comparison: '<=', threshold: 1.1, floor: 'diag-raw-insert-returning' });
  for (const payload of payloads) {
    pair({ id: `first-save-vs-check-then-create-${payload}`, description: `first save (new dev user) median vs check-then-create in 1 transaction (${payload}, 1 client)`, key: one(payload), contender: 'service-first-save', baseline: 'check-then-create-tx', by: 'median', comparison: '<=', threshold: 0.6, floor: ['diag-raw-first-save', 'service-first-save-unnamed', 'raw-insert-prepared'] });
  }
  pair({ id: 'throughput-vs-raw', description: `saveSnapshot ops/s vs raw single-row INSERT, both named prepared (${small}, ${concurrency.many} clients)`, key: many(small), contender: 'service-steady', baseline: 'raw-insert-prepared', by: 'ops', comparison: '>=', threshold: 1.2, floor: ['raw-insert', 'service-steady-unnamed'] });
  for (const [payload, threshold] of [[small, 2], [large, 1.5]] as const) {
    pair({ id: `throughput-vs-langgraph-${payload}`, description: `saveSnapshot ops/s vs LangGraph put (${payload}, ${concurrency.many} clients)`, key: many(payload), contender: 'service-steady', baseline: 'langgraph-put', by: 'ops', comparison: '>=', threshold, floor: 'yardstick-insert' });
  }
  // Issue 12's goal for the LangGraph saver: its put beside PostgresSaver's, same calls and payloads.
  for (const payload of [small, large]) {
    pair({ id: `saver-put-vs-langgraph-${payload}`, description: `AgentStateSaver.put ops/s vs LangGraph PostgresSaver.put (${payload}, ${concurrency.many} clients)`, key: many(payload), contender: 'agentstate-saver-put', baseline: 'langgraph-put', by: 'ops', comparison: '>=', threshold: 1.5, floor: 'yardstick-insert' });
  }
  pair({ id: 'large-vs-yardstick', description: `saveSnapshot median vs raw INSERT into today's table (yardstick, ${large}, 1 client)`, key: one(large), contender: 'service-steady', baseline: 'yardstick-insert', by: 'median', comparison: '<=', threshold: 0.7, floor: 'raw-insert-prepared' });
  pair({ id: 'otel-overhead', description: `steady saveSnapshot median with an OpenTelemetry SDK registered vs none (${small}, 1 client)`, key: one(small), contender: 'service-steady-otel', baseline: 'service-steady', by: 'median', comparison: '<=', threshold: 1.05 });
  for (const clients of [concurrency.one, concurrency.many]) {
    const key = saveKey('postgresql', small, clients);
    pair({ id: `prisma-extension-vs-create-c${clients}`, description: `Prisma create through referenceProvisioning() vs plain Prisma create (${small}, ${clients} client${clients === 1 ? '' : 's'}, median)`, key, contender: 'prisma-extension-create', baseline: 'prisma-create', by: 'median', comparison: '<=', threshold: 1.1 });
  }
  for (const [kind, id, name] of [
    ['read-page', 'service-page', 'history page (listSnapshots, 50)'],
    ['read-latest', 'service-latest', 'getLatest'],
    // Issue 12: our LangGraph saver's reads cost the same at the largest history as at the smallest.
    ['read-latest', 'agentstate-saver-latest', 'AgentStateSaver.getTuple (latest)'],
    ['read-page', 'agentstate-saver-page', 'AgentStateSaver.list (50)'],
  ] as const) {
    const g = growth.find((x) => x.kind === kind && x.id === id);
    if (!g) throw new Error(`no growth figure for ${id}`);
    targets.push(
      target(
        `growth-${id}`,
        `${name} median at ${g.largeRows} rows vs ${g.smallRows} rows`,
        growthRatios(scenarios, kind, id),
        '<=',
        1.2,
        `${g.spread.n} round pairs (levels not interleaved); all ops: ${g.largeMedianMs} / ${g.smallMedianMs} ms`,
      ),
    );
  }
  return targets;
}

function levels(scenarios: Scenario[], kind: 'read-latest' | 'read-page') {
  const sorted = scenarios.filter((s) => s.kind === kind).sort((a, b) => (a.historyRows ?? 0) - (b.historyRows ?? 0));
  return { smallest: sorted[0], largest: sorted[sorted.length - 1] };
}

/**
 * The history levels are measured minutes apart, not interleaved, so no round
 * of one level belongs to a round of the other: every round at the largest
 * level against every round at the smallest.
 */
function growthRatios(scenarios: Scenario[], kind: 'read-latest' | 'read-page', id: string): number[] {
  const { smallest, largest } = levels(scenarios, kind);
  const small = smallest?.results.find((r) => r.id === id);
  const large = largest?.results.find((r) => r.id === id);
  if (!small || !large) throw new Error(`no read results for ${id}`);
  return allPairRatios(large.rounds, small.rounds, byMedian);
}

/** Median at the largest history level relative to the smallest, for every reader. */
export function computeGrowth(scenarios: Scenario[]): Growth[] {
  const growth: Growth[] = [];
  for (const kind of ['read-latest', 'read-page'] as const) {
    const { smallest, largest } = levels(scenarios, kind);
    if (!smallest || !largest) continue;
    for (const large of largest.results) {
      const small = smallest.results.find((r) => r.id === large.id);
      if (!small) continue;
      const spread = spreadOf(growthRatios(scenarios, kind, large.id), false);
      growth.push({
        kind,
        id: large.id,
        label: large.label,
        smallRows: smallest.historyRows ?? 0,
        largeRows: largest.historyRows ?? 0,
        smallMedianMs: small.summary.medianMs,
        largeMedianMs: large.summary.medianMs,
        ratio: spread.median,
        spread,
      });
    }
  }
  return growth;
}

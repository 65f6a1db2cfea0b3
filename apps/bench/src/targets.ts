/** The four targets of the brief, evaluated on figures of the same run. */
import type { Growth, Scenario, TargetResult } from './results';
import { round } from './stats';

function row(scenarios: Scenario[], key: string, id: string) {
  const result = scenarios.find((s) => s.key === key)?.results.find((r) => r.id === id);
  if (!result) throw new Error(`no result for ${id} in "${key}"`);
  return result.summary;
}

export function saveKey(backend: 'postgresql' | 'pglite', payload: string, concurrency: number): string {
  return `save ${backend} ${payload} c=${concurrency}`;
}

/** The unrounded ratio is compared with the threshold (0.604 does not pass "<= 0.6"); rounding is for display only. */
function target(id: string, description: string, value: number, comparison: '<=' | '>=', threshold: number, detail: string): TargetResult {
  return { id, description, value: round(value, 4), comparison, threshold, pass: comparison === '<=' ? value <= threshold : value >= threshold, detail };
}

export function evaluateTargets(scenarios: Scenario[], growth: Growth[], payloads: string[], concurrency: { one: number; many: number }): TargetResult[] {
  const targets: TargetResult[] = [];
  const small = payloads[0] as string;
  {
    const key = saveKey('postgresql', small, concurrency.one);
    const service = row(scenarios, key, 'service-steady');
    const raw = row(scenarios, key, 'yardstick-insert');
    targets.push(
      target('steady-vs-raw', `steady-state saveSnapshot median vs raw INSERT into today's table (yardstick, ${small}, 1 client)`, service.medianMs / raw.medianMs, '<=', 1.5, `${service.medianMs} ms / ${raw.medianMs} ms`),
    );
  }
  for (const payload of payloads) {
    const key = saveKey('postgresql', payload, concurrency.one);
    const first = row(scenarios, key, 'service-first-save');
    const ctc = row(scenarios, key, 'check-then-create-tx');
    targets.push(
      target(`first-save-vs-check-then-create-${payload}`, `first save (new dev user) median vs check-then-create in 1 transaction (${payload}, 1 client)`, first.medianMs / ctc.medianMs, '<=', 0.6, `${first.medianMs} ms / ${ctc.medianMs} ms`),
    );
  }
  for (const payload of payloads) {
    const key = saveKey('postgresql', payload, concurrency.many);
    const service = row(scenarios, key, 'service-steady');
    const langgraph = row(scenarios, key, 'langgraph-put');
    targets.push(
      target(
        `throughput-vs-langgraph-${payload}`,
        `saveSnapshot ops/s vs LangGraph put (${payload}, ${concurrency.many} clients)`,
        service.opsPerSec / langgraph.opsPerSec,
        '>=',
        1.5,
        `${service.opsPerSec} / ${langgraph.opsPerSec} ops/s`,
      ),
    );
  }
  for (const [kind, id, name] of [
    ['read-page', 'service-page', 'history page (listSnapshots, 50)'],
    ['read-latest', 'service-latest', 'getLatest'],
  ] as const) {
    const g = growth.find((x) => x.kind === kind && x.id === id);
    if (!g) throw new Error(`no growth figure for ${id}`);
    targets.push(
      target(`growth-${id}`, `${name} median at ${g.largeRows} rows vs ${g.smallRows} rows`, g.largeMedianMs / g.smallMedianMs, '<=', 1.2, `${g.largeMedianMs} ms / ${g.smallMedianMs} ms`),
    );
  }
  return targets;
}

/** Median at the largest history level relative to the smallest, for every reader. */
export function computeGrowth(scenarios: Scenario[]): Growth[] {
  const growth: Growth[] = [];
  for (const kind of ['read-latest', 'read-page'] as const) {
    const levels = scenarios.filter((s) => s.kind === kind).sort((a, b) => (a.historyRows ?? 0) - (b.historyRows ?? 0));
    const smallest = levels[0];
    const largest = levels[levels.length - 1];
    if (!smallest || !largest) continue;
    for (const large of largest.results) {
      const small = smallest.results.find((r) => r.id === large.id);
      if (!small) continue;
      growth.push({
        kind,
        id: large.id,
        label: large.label,
        smallRows: smallest.historyRows ?? 0,
        largeRows: largest.historyRows ?? 0,
        smallMedianMs: small.summary.medianMs,
        largeMedianMs: large.summary.medianMs,
        ratio: round(large.summary.medianMs / small.summary.medianMs, 2),
      });
    }
  }
  return growth;
}

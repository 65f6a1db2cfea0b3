/**
 * Read cost (issue 27): each of the service's reads beside its raw floor, the
 * plain pg SELECT that returns the same rows (the same columns a Snapshot
 * has, the same index; named prepared, pg's best form; jsonb and timestamptz
 * decoded by pg's own parsers), at each state size and client count. The
 * eight contenders of one size and client count are measured interleaved
 * round by round (measure.ts); each read's cost is its median / its floor's
 * median in the same round. Round trips and statements of one operation are
 * counted on the wire (profile/wireCounter.ts).
 *
 * One thread per size, saved through the service as a parent chain, so the
 * newest snapshot's lineage is as long as the page. The page and the lineage
 * take `pageRows` rows, fewer than the read byte budget (8 MiB) allows, so
 * the floor's LIMIT returns exactly the rows the service returns (checked
 * before measuring).
 */
import type { SaveSnapshotResult } from '@agentstate/state-persistence';
import { openPostgresBackend, type Backend } from '../clients';
import { measureInterleaved, type Contender, type ContenderResult, type MeasureSettings } from '../measure';
import { makePayload, stateFor } from '../payloads';
import { startWireCounter } from '../profile/wireCounter';
import type { RatioSpread, TargetResult } from '../results';
import { perRoundRatios, round, spreadOf } from '../stats';
import { target } from '../targets';

export interface ReadCostSettings {
  payloads: Array<{ label: string; bytes: number }>;
  concurrencies: number[];
  /** rows of a page and of a lineage at a state size */
  pageRows(payloadBytes: number): number;
  measure(payloadBytes: number, concurrency: number): MeasureSettings;
  /** operations per contender counted on the wire */
  profileOps: number;
}

export type ReadName = 'getLatest' | 'getSnapshot' | 'listSnapshots' | 'getLineage';
const READS: ReadName[] = ['getLatest', 'getSnapshot', 'listSnapshots', 'getLineage'];

export interface ReadCostRow extends ContenderResult {
  read: ReadName;
  /** 'service' or its 'floor' */
  side: 'service' | 'floor';
  /** per round: this row's median / its floor's median (null for the floor itself) */
  vsFloor: RatioSpread | null;
  roundTripsPerOp: number | null;
  statementsPerOp: number | null;
}

export interface ReadCostScenario {
  payload: string;
  payloadBytes: number;
  concurrency: number;
  pageRows: number;
  rows: ReadCostRow[];
}

export interface ReadCostResult {
  threshold: number;
  scenarios: ReadCostScenario[];
}

export const READ_COST_THRESHOLD = 1.2;

const COLUMNS = 'id, user_id, thread_id, run_id, parent_id, state, metadata, created_at';
const FLOOR_SQL: Record<ReadName, string> = {
  getLatest: `SELECT ${COLUMNS} FROM agent_state_snapshots WHERE user_id = $1 AND thread_id = $2 ORDER BY seq DESC LIMIT 1`,
  getSnapshot: `SELECT ${COLUMNS} FROM agent_state_snapshots WHERE id = $1 AND user_id = $2`,
  listSnapshots: `SELECT ${COLUMNS} FROM agent_state_snapshots WHERE user_id = $1 AND thread_id = $2 ORDER BY seq DESC LIMIT $3`,
  getLineage: `WITH RECURSIVE chain AS (
      SELECT s.*, 1 AS depth FROM agent_state_snapshots s WHERE s.id = $1 AND s.user_id = $2
      UNION ALL
      SELECT p.*, chain.depth + 1 FROM chain JOIN agent_state_snapshots p ON p.id = chain.parent_id AND p.user_id = chain.user_id WHERE chain.depth < $3)
    SELECT ${COLUMNS} FROM chain ORDER BY depth`,
};

interface Seeded {
  userId: string;
  threadId: string;
  newestId: string;
  /** a snapshot in the middle of the thread, read by id */
  middleId: string;
  pageRows: number;
}

const contenderId = (read: ReadName, side: 'service' | 'floor') => `${side}-${read}`;

function contenders(backend: Backend, s: Seeded): Contender[] {
  const { userId, threadId, pageRows } = s;
  const floorParams: Record<ReadName, unknown[]> = {
    getLatest: [userId, threadId],
    getSnapshot: [s.middleId, userId],
    listSnapshots: [userId, threadId, pageRows],
    getLineage: [s.newestId, userId, pageRows],
  };
  const service: Record<ReadName, () => Promise<unknown>> = {
    getLatest: () => backend.service.getLatest({ userId, threadId }),
    getSnapshot: () => backend.service.getSnapshot({ userId, id: s.middleId }),
    listSnapshots: () => backend.service.listSnapshots({ userId, threadId, limit: pageRows }),
    getLineage: () => backend.service.getLineage({ userId, id: s.newestId, limit: pageRows }),
  };
  return READS.flatMap((read): Contender[] => [
    {
      id: contenderId(read, 'floor'),
      label: `raw ${read === 'getLatest' ? 'SELECT … LIMIT 1' : read === 'getSnapshot' ? 'SELECT by id' : read === 'listSnapshots' ? `SELECT … LIMIT ${pageRows}` : `WITH RECURSIVE (${pageRows})`} (pg, prepared)`,
      op: async () => {
        await backend.sql.query(FLOOR_SQL[read], floorParams[read], { prepared: true });
      },
    },
    {
      id: contenderId(read, 'service'),
      label: `${read}${read === 'listSnapshots' || read === 'getLineage' ? ` (${pageRows})` : ''}`,
      op: async () => {
        await service[read]();
      },
    },
  ]);
}

/** One thread of `count` snapshots of ~payloadBytes each, a parent chain. */
async function seed(backend: Backend, label: string, payloadBytes: number, pageRows: number): Promise<Seeded> {
  const payload = makePayload(label, payloadBytes);
  const userId = `dev-temp-bench-reads-${label}`;
  const threadId = 'reads';
  const ids: string[] = [];
  let parentId: string | null = null;
  for (let i = 0; i < pageRows + 3; i++) {
    const saved: SaveSnapshotResult = await backend.service.saveSnapshot({ userId, threadId, runId: 'r', state: stateFor(payload, i), metadata: { step: i }, parentId });
    if (saved.status !== 'saved') throw new Error(`read-cost seed: save ${i} was ${saved.status}`);
    ids.push(saved.snapshot.id);
    parentId = saved.snapshot.id;
  }
  return { userId, threadId, newestId: ids[ids.length - 1] as string, middleId: ids[Math.floor(ids.length / 2)] as string, pageRows };
}

/** The floor must return exactly the rows the service returns, or the ratio compares different work. */
async function verify(backend: Backend, s: Seeded): Promise<void> {
  const { userId, threadId, pageRows } = s;
  const floorIds = async (read: ReadName, params: unknown[]) => (await backend.sql.query<{ id: string }>(FLOOR_SQL[read], params, { prepared: true })).map((r) => r.id);
  const pairs: Array<[ReadName, string[], string[]]> = [
    ['getLatest', [(await backend.service.getLatest({ userId, threadId }))?.id ?? ''], await floorIds('getLatest', [userId, threadId])],
    ['getSnapshot', [(await backend.service.getSnapshot({ userId, id: s.middleId })).id], await floorIds('getSnapshot', [s.middleId, userId])],
    ['listSnapshots', (await backend.service.listSnapshots({ userId, threadId, limit: pageRows })).items.map((x) => x.id), await floorIds('listSnapshots', [userId, threadId, pageRows])],
    ['getLineage', (await backend.service.getLineage({ userId, id: s.newestId, limit: pageRows })).map((x) => x.id), await floorIds('getLineage', [s.newestId, userId, pageRows])],
  ];
  for (const [read, service, floor] of pairs) {
    if (JSON.stringify(service) !== JSON.stringify(floor) || floor.length === 0) throw new Error(`read-cost: ${read} returned ${service.length} rows, its floor ${floor.length} (or different ones)`);
  }
}

/** Round trips and statements of one operation of each contender, on the wire, after one untimed operation. */
async function countOnTheWire(url: string, seeded: Seeded, ops: number): Promise<Map<string, { roundTrips: number; statements: number }>> {
  const wire = await startWireCounter(url);
  try {
    const backend = await openPostgresBackend(wire.url, 1);
    try {
      const counts = new Map<string, { roundTrips: number; statements: number }>();
      for (const contender of contenders(backend, seeded)) {
        await contender.op({ worker: 0, index: 0 });
        wire.reset();
        for (let i = 0; i < ops; i++) await contender.op({ worker: 0, index: i + 1 });
        const c = wire.snapshot();
        counts.set(contender.id, { roundTrips: round(c.roundTrips / ops, 2), statements: round(c.statements / ops, 2) });
      }
      return counts;
    } finally {
      await backend.close();
    }
  } finally {
    await wire.close();
  }
}

export async function runReadCostScenario(
  url: string,
  settings: ReadCostSettings,
  poolSize: number,
  log: (message: string) => void,
): Promise<{ result: ReadCostResult; targets: TargetResult[] }> {
  const backend = await openPostgresBackend(url, poolSize);
  const scenarios: ReadCostScenario[] = [];
  const targets: TargetResult[] = [];
  try {
    for (const payload of settings.payloads) {
      const pageRows = settings.pageRows(payload.bytes);
      const seeded = await seed(backend, payload.label, payload.bytes, pageRows);
      await verify(backend, seeded);
      const wire = await countOnTheWire(url, seeded, settings.profileOps);
      for (const concurrency of settings.concurrencies) {
        const measure = settings.measure(payload.bytes, concurrency);
        log(`read cost ${payload.label} c=${concurrency}: 8 contenders (4 reads, 4 floors, page/lineage ${pageRows} rows), ${measure.rounds} rounds x ${measure.opsPerRound} ops (+${measure.warmupOps} warm-up)`);
        const results = await measureInterleaved(contenders(backend, seeded), measure, null);
        const byId = new Map(results.map((r) => [r.id, r]));
        const rows: ReadCostRow[] = READS.flatMap((read) => {
          const floor = byId.get(contenderId(read, 'floor')) as ContenderResult;
          const service = byId.get(contenderId(read, 'service')) as ContenderResult;
          const ratios = perRoundRatios(service.rounds, floor.rounds, (r) => r.medianMs);
          const counted = (id: string) => ({ roundTripsPerOp: wire.get(id)?.roundTrips ?? null, statementsPerOp: wire.get(id)?.statements ?? null });
          const tripsOf = (id: string) => wire.get(id)?.roundTrips ?? 'n/a';
          targets.push(
            target(
              `read-cost-${read}-${payload.label}-c${concurrency}`,
              `${read} median vs its raw floor (pg, prepared; ${payload.label}, ${concurrency} client${concurrency === 1 ? '' : 's'}${read === 'listSnapshots' || read === 'getLineage' ? `, ${pageRows} rows` : ''})`,
              ratios,
              '<=',
              READ_COST_THRESHOLD,
              `${service.rounds.length} rounds; all ops: ${service.summary.medianMs} / ${floor.summary.medianMs} ms; round trips/op: ${tripsOf(service.id)} vs ${tripsOf(floor.id)}`,
            ),
          );
          return [
            { ...floor, read, side: 'floor' as const, vsFloor: null, ...counted(floor.id) },
            { ...service, read, side: 'service' as const, vsFloor: spreadOf(ratios), ...counted(service.id) },
          ];
        });
        scenarios.push({ payload: payload.label, payloadBytes: payload.bytes, concurrency, pageRows, rows });
      }
    }
  } finally {
    await backend.close();
  }
  return { result: { threshold: READ_COST_THRESHOLD, scenarios }, targets };
}

const fixed = (x: number | null | undefined, digits: number) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));

export function formatReadCost(r: ReadCostResult): string[] {
  const out = [
    `== Read cost: each read beside its raw floor (the pg SELECT returning the same rows, named prepared), PostgreSQL, loopback; goal <= ${r.threshold}x ==`,
    '| read | state | clients | median ms | p99 ms | floor median ms | x floor (min–max over rounds) | round trips/op | statements/op (floor) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of r.scenarios) {
    for (const row of s.rows.filter((x) => x.side === 'service')) {
      const floor = s.rows.find((x) => x.side === 'floor' && x.read === row.read);
      const ratio = row.vsFloor ? `${fixed(row.vsFloor.median, 2)}x (${fixed(row.vsFloor.min, 2)}–${fixed(row.vsFloor.max, 2)})` : 'n/a';
      out.push(
        `| ${row.label} | ${s.payload} | ${s.concurrency} | ${fixed(row.summary.medianMs, 3)} | ${fixed(row.summary.p99Ms, 3)} | ${fixed(floor?.summary.medianMs, 3)} | ${ratio} | ${fixed(row.roundTripsPerOp, 1)} (${fixed(floor?.roundTripsPerOp, 1)}) | ${fixed(row.statementsPerOp, 1)} (${fixed(floor?.statementsPerOp, 1)}) |`,
      );
    }
  }
  return out;
}

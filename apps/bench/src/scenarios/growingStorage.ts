/**
 * Growing-state storage (docs/concepts/growing-state.md): what a thread of
 * growing states costs to store, through the service with growing-state
 * storage (the default) and with `growingState: false` (every state stored
 * whole, the behaviour before it). One thread per workload and mode, seeded:
 *
 *  chat        each save: the previous state plus one ~1 KB message, a few changed scalars
 *  tool        chat, plus a 50 KB tool output every 10th save that stays in the state
 *  edits       chat, and each save also changes one earlier message (a status flag, rewritten content)
 *  compaction  chat, and every 100 saves the messages are replaced by a short summary
 *  forks       chat, and every 20th save continues from the snapshot 10 saves back (parentId)
 *
 * Stored bytes: pg_total_relation_size (heap, TOAST, every index, free-space
 * and visibility maps) of agent_state_snapshots + agent_state_elements +
 * agent_state_element_logs, after minus before, divided by the JSON bytes of
 * the thread's final state, at each mark (200 and 1,000 saves). Also the
 * mean client-side time per save over the last 50 saves before each mark
 * and the median getLatest time at the mark, beside the same state saved
 * and read whole on a side thread (single runs: indicative, not targets). Text: seeded words from a vocabulary of 4,096 made-up words
 * drawn with a Zipf-like skew, which compresses about as English prose does
 * (2-3x with pglz/lz4); a small vocabulary would flatter whole rows (TOAST
 * compresses them, elements of ~1 KB are stored uncompressed), random
 * letters would flatter elements.
 *
 * Also a LangGraph chat with plain MessagesValue (the DeltaChannel scenario's
 * graph, ~1 KB messages) through our saver and LangGraph's PostgresSaver:
 * pg_column_size of each thread's rows (ours including its elements).
 */
import { Writable } from 'node:stream';
import { createPrismaClient, type DatabaseClient } from '@agentstate/db';
import { createLogger } from '@agentstate/logger';
import { createStatePersistence, type StatePersistence } from '@agentstate/state-persistence';
import { benchSaver, openPostgresBackend } from '../clients';
import { chatGraph, converse } from './deltaChannel';

export const WORKLOADS = ['chat', 'tool', 'edits', 'compaction', 'forks'] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface GrowingStorageSettings {
  /** where stored bytes are read, ascending; the last is how many saves a growing-state thread gets */
  marks: number[];
  /** LangGraph MessagesValue chats through both savers, this many turns (none: skipped) */
  saverTurns?: number[];
  /** whole-state threads stop at this many saves (their cost grows with the square) */
  wholeUpTo: number;
  workloads: readonly Workload[];
}

export interface GrowingStorageRow {
  workload: Workload;
  mode: 'growing' | 'whole';
  saves: number;
  storedBytes: number;
  finalStateBytes: number;
  /** storedBytes / finalStateBytes */
  ratio: number;
  /** the largest state's JSON bytes so far (compaction shrinks the final one) */
  peakStateBytes: number;
  /** mean ms per save over the last 50 saves before the mark */
  saveMs: number;
  /** median of 20 getLatest calls at the mark */
  getLatestMs: number;
  /** growing rows: the same final state saved whole (growingState: false) on a side thread, mean ms of 5 saves, and its getLatest median */
  sameStateWhole?: { saveMs: number; getLatestMs: number };
}

/** A LangGraph chat with plain MessagesValue: our saver (growing-state storage) against LangGraph's PostgresSaver. */
export interface SaverStorageRow {
  turns: number;
  checkpoints: number;
  /** pg_column_size of the thread's rows (checkpoints, blobs, writes; ours also its elements): as stored, compressed values counted compressed */
  agentStateSaverBytes: number;
  postgresSaverBytes: number;
  /** agentStateSaverBytes / postgresSaverBytes */
  ratio: number;
}

export interface GrowingStorageResult {
  rows: GrowingStorageRow[];
  /** absent in runs without it */
  savers?: SaverStorageRow[];
}

const TABLES = ['agent_state_snapshots', 'agent_state_elements', 'agent_state_element_logs'];

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const VOCABULARY = (() => {
  const random = seeded(4096);
  return Array.from({ length: 4096 }, () => Array.from({ length: 2 + Math.floor(random() * 8) }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join(''));
})();

function words(random: () => number, bytes: number): string {
  let out = '';
  // log-uniform rank: frequent words often, rare ones rarely, as in prose
  while (out.length < bytes) out += `${VOCABULARY[Math.floor(VOCABULARY.length ** random()) - 1]} `;
  return out.slice(0, bytes);
}

interface ChatState {
  step: number;
  status: string;
  updatedAt: string;
  tokens: number;
  messages: Array<Record<string, unknown>>;
}

/** The next state of a workload, from the state it continues. Pure but for `random`. */
function nextState(workload: Workload, previous: ChatState, step: number, random: () => number): ChatState {
  let messages = [...previous.messages, { id: `m${step}`, role: step % 2 ? 'assistant' : 'user', content: words(random, 1000) }];
  if (workload === 'tool' && step % 10 === 9) messages.push({ id: `t${step}`, role: 'tool', content: words(random, 50 * 1024) });
  if (workload === 'edits' && messages.length > 1) {
    const i = Math.floor(random() * (messages.length - 1));
    messages[i] = { ...messages[i], status: random() < 0.5 ? 'done' : 'flagged', content: words(random, 1000) };
  }
  if (workload === 'compaction' && step % 100 === 99) messages = [{ id: `s${step}`, role: 'system', content: `summary: ${words(random, 500)}` }];
  return { step, status: random() < 0.5 ? 'running' : 'waiting', updatedAt: new Date(1_760_000_000_000 + step * 1000).toISOString(), tokens: previous.tokens + Math.floor(random() * 500), messages };
}

async function storedBytes(db: DatabaseClient): Promise<number> {
  const [row] = await db.prisma.$queryRawUnsafe<Array<{ bytes: string }>>(`SELECT (${TABLES.map((t) => `pg_total_relation_size('${t}')`).join(' + ')})::text AS bytes`);
  return Number(row?.bytes);
}

async function medianGetLatest(service: StatePersistence, userId: string, threadId: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await service.getLatest({ userId, threadId });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return (times[9]! + times[10]!) / 2;
}

/** The same state saved whole on a side thread: mean ms of 5 saves (after one that creates the thread), and getLatest's median. */
async function sameStateWhole(whole: StatePersistence, userId: string, threadId: string, state: ChatState): Promise<{ saveMs: number; getLatestMs: number }> {
  await whole.saveSnapshot({ userId, threadId, runId: 'bench', state });
  const t = performance.now();
  for (let i = 0; i < 5; i++) await whole.saveSnapshot({ userId, threadId, runId: 'bench', state });
  const saveMs = Math.round(((performance.now() - t) / 5) * 100) / 100;
  return { saveMs, getLatestMs: Math.round((await medianGetLatest(whole, userId, threadId)) * 100) / 100 };
}

async function runThread(
  db: DatabaseClient,
  service: StatePersistence,
  whole: StatePersistence | null,
  workload: Workload,
  mode: GrowingStorageRow['mode'],
  marks: number[],
  log: (m: string) => void,
): Promise<GrowingStorageRow[]> {
  const userId = 'dev-temp-bench-growing';
  const threadId = `${workload}-${mode}`;
  const random = seeded(0x5eed + WORKLOADS.indexOf(workload));
  const rows: GrowingStorageRow[] = [];
  // The first save creates the user and thread; stored bytes count from after it.
  await service.saveSnapshot({ userId, threadId, runId: 'bench', state: { step: -1 } });
  const before = await storedBytes(db);
  const history: Array<{ id: string; state: ChatState }> = [];
  let state: ChatState = { step: 0, status: 'running', updatedAt: '', tokens: 0, messages: [] };
  let parentId: string | null = null;
  let saveMs: number[] = [];
  let peakStateBytes = 0;
  let sideBytes = 0;
  const last = marks[marks.length - 1] as number;
  for (let step = 0; step < last; step++) {
    if (workload === 'forks' && step % 20 === 19 && history.length > 10) {
      const from = history[history.length - 10] as { id: string; state: ChatState };
      state = from.state;
      parentId = from.id;
    }
    state = nextState(workload, state, step, random);
    const t = performance.now();
    const result: Awaited<ReturnType<StatePersistence['saveSnapshot']>> = await service.saveSnapshot({ userId, threadId, runId: 'bench', state, parentId });
    saveMs.push(performance.now() - t);
    if (result.status !== 'saved') throw new Error(`bench save was ${result.status}`);
    parentId = result.snapshot.id;
    history.push({ id: result.snapshot.id, state });
    if (history.length > 40) history.shift();
    const stateBytes = Buffer.byteLength(JSON.stringify(state));
    peakStateBytes = Math.max(peakStateBytes, stateBytes);
    if (marks.includes(step + 1)) {
      const stored = (await storedBytes(db)) - before - sideBytes;
      // The side thread's rows share the tables: their growth is left out of this thread's figures.
      const sideStart = await storedBytes(db);
      const side = whole ? await sameStateWhole(whole, userId, `${threadId}-${step + 1}-same-state-whole`, state) : undefined;
      sideBytes += (await storedBytes(db)) - sideStart;
      const finalStateBytes = stateBytes;
      const recent = saveMs.slice(-50);
      rows.push({
        workload,
        mode,
        saves: step + 1,
        storedBytes: stored,
        finalStateBytes,
        ratio: Math.round((stored / finalStateBytes) * 100) / 100,
        peakStateBytes,
        saveMs: Math.round((recent.reduce((a, b) => a + b, 0) / recent.length) * 100) / 100,
        getLatestMs: Math.round((await medianGetLatest(service, userId, threadId)) * 100) / 100,
        ...(side ? { sameStateWhole: side } : {}),
      });
      log(`growing storage: ${workload} ${mode} at ${step + 1} saves: ${(stored / 1e6).toFixed(2)} MB stored, ${(stored / finalStateBytes).toFixed(2)}x the final state`);
      saveMs = [];
    }
  }
  return rows;
}

export async function runGrowingStorageScenario(url: string, settings: GrowingStorageSettings, log: (m: string) => void): Promise<GrowingStorageResult> {
  const db = await createPrismaClient({ config: { provider: 'postgresql', url }, migrate: false, poolSize: 2 });
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const open = (growingState: false | undefined) =>
    createStatePersistence({
      prisma: db.prisma,
      ...(db.sql ? { sql: db.sql } : {}),
      environment: 'development',
      logger: createLogger({ service: 'state-persistence', stream: sink }),
      maxStateBytes: 64 * 1024 * 1024,
      maxReadBytes: 256 * 1024 * 1024,
      ...(growingState === false ? { growingState } : {}),
    });
  const rows: GrowingStorageRow[] = [];
  try {
    for (const workload of settings.workloads) {
      rows.push(...(await runThread(db, open(undefined), open(false), workload, 'growing', settings.marks, log)));
      const wholeMarks = settings.marks.filter((m) => m <= settings.wholeUpTo);
      if (wholeMarks.length > 0) rows.push(...(await runThread(db, open(false), null, workload, 'whole', wholeMarks, log)));
    }
  } finally {
    await db.close();
  }
  const savers: SaverStorageRow[] = [];
  for (const turns of settings.saverTurns ?? []) savers.push(await saverStorage(url, turns, log));
  return { rows, ...(savers.length > 0 ? { savers } : {}) };
}

/** A `turns`-turn MessagesValue chat (the DeltaChannel scenario's graph) through our saver and LangGraph's PostgresSaver; the bytes each stores. */
async function saverStorage(url: string, turns: number, log: (m: string) => void): Promise<SaverStorageRow> {
  const backend = await openPostgresBackend(url, 2);
  const db = await createPrismaClient({ config: { provider: 'postgresql', url }, migrate: false, poolSize: 2 });
  try {
    const threadId = `growing-messages-${turns}`;
    const userId = 'dev-temp-bench-growing-saver';
    await converse(chatGraph('MessagesValue', benchSaver(db, { growingState: true })), { configurable: { thread_id: threadId, user_id: userId } }, turns);
    await converse(chatGraph('MessagesValue', backend.saver as NonNullable<typeof backend.saver>), { configurable: { thread_id: threadId } }, turns);
    const [ours] = await backend.sql.query<{ bytes: string; checkpoints: string }>(
      `SELECT ((SELECT coalesce(sum(pg_column_size(c.*)), 0) FROM agent_checkpoints c WHERE user_id = $1 AND thread_id = $2)
             + (SELECT coalesce(sum(pg_column_size(b.*)), 0) FROM agent_checkpoint_blobs b WHERE user_id = $1 AND thread_id = $2)
             + (SELECT coalesce(sum(pg_column_size(w.*)), 0) FROM agent_checkpoint_writes w WHERE user_id = $1 AND thread_id = $2)
             + (SELECT coalesce(sum(pg_column_size(e.*)), 0) FROM agent_state_elements e WHERE user_id = $1 AND thread_id = $2))::text AS bytes,
              (SELECT count(*) FROM agent_checkpoints WHERE user_id = $1 AND thread_id = $2)::text AS checkpoints`,
      [userId, threadId],
    );
    const [theirs] = await backend.sql.query<{ bytes: string }>(
      `SELECT ((SELECT coalesce(sum(pg_column_size(c.*)), 0) FROM checkpoints c WHERE thread_id = $1)
             + (SELECT coalesce(sum(pg_column_size(b.*)), 0) FROM checkpoint_blobs b WHERE thread_id = $1)
             + (SELECT coalesce(sum(pg_column_size(w.*)), 0) FROM checkpoint_writes w WHERE thread_id = $1))::text AS bytes`,
      [threadId],
    );
    const row = { turns, checkpoints: Number(ours?.checkpoints), agentStateSaverBytes: Number(ours?.bytes), postgresSaverBytes: Number(theirs?.bytes), ratio: 0 };
    row.ratio = Math.round((row.agentStateSaverBytes / row.postgresSaverBytes) * 1000) / 1000;
    log(`growing storage: LangGraph MessagesValue ${turns} turns: AgentStateSaver ${(row.agentStateSaverBytes / 1e6).toFixed(2)} MB, PostgresSaver ${(row.postgresSaverBytes / 1e6).toFixed(2)} MB`);
    return row;
  } finally {
    await Promise.allSettled([backend.close(), db.close()]);
  }
}

export function formatGrowingStorage(result: GrowingStorageResult): string[] {
  const out = ['== Growing-state storage: stored bytes (every table, TOAST and indexes) / final state JSON bytes, one thread per workload =='];
  const header = ['workload', 'saves', 'final state', 'largest state', 'growing: stored', 'growing: x final', 'whole: stored', 'whole: x final', 'save ms: growing', 'same state whole', 'getLatest ms: growing', 'same state whole'];
  const lines = [header];
  const keys = [...new Set(result.rows.map((r) => `${r.workload}|${r.saves}`))];
  const mb = (b: number | undefined) => (b === undefined ? '-' : `${(b / 1e6).toFixed(2)} MB`);
  for (const key of keys) {
    const [workload, saves] = key.split('|');
    const g = result.rows.find((r) => r.workload === workload && String(r.saves) === saves && r.mode === 'growing');
    const w = result.rows.find((r) => r.workload === workload && String(r.saves) === saves && r.mode === 'whole');
    const any = (g ?? w) as GrowingStorageRow;
    lines.push([
      workload as string,
      saves as string,
      `${(any.finalStateBytes / 1e3).toFixed(0)} KB`,
      `${(any.peakStateBytes / 1e3).toFixed(0)} KB`,
      mb(g?.storedBytes),
      g ? `${g.ratio.toFixed(2)}x` : '-',
      mb(w?.storedBytes),
      w ? `${w.ratio.toFixed(2)}x` : 'not run',
      g ? g.saveMs.toFixed(2) : '-',
      g?.sameStateWhole ? g.sameStateWhole.saveMs.toFixed(2) : '-',
      g ? g.getLatestMs.toFixed(2) : '-',
      g?.sameStateWhole ? g.sameStateWhole.getLatestMs.toFixed(2) : '-',
    ]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] as string).length)));
  out.push(...lines.map((l) => l.map((c, i) => (i < 1 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ')));
  out.push('whole: every state of the thread stored whole (growingState: false), run to the marks up to its limit. save ms: growing = mean of the last 50 saves before the');
  out.push('mark; same state whole = that final state saved whole on a side thread (mean of 5). getLatest: median of 20. Single runs, indicative only.');
  out.push('Goal (issue 22): chat <= 3x at 200 and at 1,000 saves.');
  for (const r of result.savers ?? []) {
    out.push(
      '',
      `LangGraph, plain MessagesValue, ${r.turns} turns (${r.checkpoints} checkpoints; pg_column_size of the thread's rows, as stored):`,
      `  AgentStateSaver ${(r.agentStateSaverBytes / 1e6).toFixed(2)} MB, PostgresSaver ${(r.postgresSaverBytes / 1e6).toFixed(2)} MB: ${r.ratio.toFixed(3)}x (goal <= 0.1x)`,
    );
  }
  return out;
}

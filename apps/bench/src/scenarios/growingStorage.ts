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
 * the thread's final state, at each mark (200 and 1,000 saves). Text:
 * seeded words from a vocabulary of 4,096 made-up words drawn with a
 * Zipf-like skew, which compresses about as English prose does
 * (2-3x with pglz/lz4); a small vocabulary would flatter whole rows (TOAST
 * compresses them, elements of ~1 KB are stored uncompressed), random
 * letters would flatter elements.
 *
 * Timed (issue 22's save and read goals): after the chat thread's last mark,
 * once its stored bytes are read, the thread goes on with the next states,
 * and four contenders are measured interleaved round by round (measure.ts):
 * a growing-state save of the next state, the very same state saved whole
 * (growingState: false) on a side thread, and getLatest of each thread.
 * Their per-round ratios are the targets (growingStorageTargets.ts).
 *
 * Also a LangGraph chat with plain MessagesValue (the DeltaChannel scenario's
 * graph, ~1 KB messages) through our saver and LangGraph's PostgresSaver:
 * pg_column_size of each thread's rows (ours including its elements).
 */
import { Writable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { createPrismaClient, type DatabaseClient } from '@agentstate/db';
import { createLogger } from '@agentstate/logger';
import { createStatePersistence, type StatePersistence } from '@agentstate/state-persistence';
import { benchSaver, openPostgresBackend } from '../clients';
import { measureInterleaved, type Contender, type ContenderResult, type MeasureSettings } from '../measure';
import type { RatioSpread, TargetResult } from '../results';
import { spreadOf, spreadText } from '../stats';
import { chatGraph, converse } from './deltaChannel';
import { GROWING_GOALS, growingStorageTargets, TIMED, timedRatios } from './growingStorageTargets';

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
  /** the chat workload's save and getLatest after its last mark, growing-state vs whole, interleaved rounds (none: not timed) */
  timing?: Pick<MeasureSettings, 'warmupOps' | 'rounds' | 'opsPerRound'>;
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
}

/**
 * The timed rounds after a thread's last mark: each round one batch of each
 * contender (TIMED: growing-save, whole-save, growing-latest, whole-latest),
 * in an order shuffled per round. Save op i of both sides stores the same
 * state, step afterSaves + i of the thread.
 */
export interface GrowingTiming {
  workload: Workload;
  /** saves of the thread before the rounds: its last mark, where its stored bytes were read */
  afterSaves: number;
  /** JSON bytes of the first and the last state saved in the rounds (warm-up included) */
  firstStateBytes: number;
  lastStateBytes: number;
  settings: MeasureSettings;
  results: ContenderResult[];
  /** per round: growing-state median / whole median, saves and getLatest */
  save: RatioSpread;
  read: RatioSpread;
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
  /** absent in runs without it (and in reports written before it existed) */
  timing?: GrowingTiming;
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

/** Saves `state` as the thread's next snapshot; its id (the next save's parent). */
async function saveNext(service: StatePersistence, userId: string, threadId: string, state: ChatState, parentId: string | null): Promise<string> {
  const result: Awaited<ReturnType<StatePersistence['saveSnapshot']>> = await service.saveSnapshot({ userId, threadId, runId: 'bench', state, parentId });
  if (result.status !== 'saved') throw new Error(`bench save was ${result.status}`);
  return result.snapshot.id;
}

/** Where a thread stands at its last mark: what the timed rounds continue from. */
interface ThreadEnd {
  service: StatePersistence;
  userId: string;
  threadId: string;
  workload: Workload;
  saves: number;
  state: ChatState;
  parentId: string | null;
  random: () => number;
}

/** A thread's states to be timed (growingStorage's `timing`): the same states saved whole on a side thread. */
interface Timed {
  whole: StatePersistence;
  settings: NonNullable<GrowingStorageSettings['timing']>;
}

/**
 * The thread goes on with its next states, each saved growing-state on the
 * thread and whole on a side thread, both threads read with getLatest: four
 * contenders interleaved round by round (measure.ts), so load hits both sides
 * of each ratio alike.
 */
async function timeRounds(end: ThreadEnd, { whole, settings }: Timed, log: (m: string) => void): Promise<GrowingTiming> {
  const { service, userId, threadId } = end;
  const measure: MeasureSettings = { concurrency: 1, ...settings };
  // Made beforehand, so making them is not timed: save op i of both sides stores states[i].
  const states: ChatState[] = [];
  for (let i = 0; i < measure.warmupOps + measure.rounds * measure.opsPerRound; i++) states.push(nextState(end.workload, states[i - 1] ?? end.state, end.saves + i, end.random));
  const stateAt = (index: number) => {
    const state = states[index];
    if (!state) throw new Error(`growing storage: no state ${index} prepared for the timed rounds`);
    return state;
  };
  // Untimed: the side thread's first save (creates it) of the thread's current state; both reads must return that state, or the ratio compares different work.
  const sideThreadId = `${threadId}-same-state-whole`;
  let sideParentId: string | null = await saveNext(whole, userId, sideThreadId, end.state, null);
  const [growingRead, wholeRead] = [await service.getLatest({ userId, threadId }), await whole.getLatest({ userId, threadId: sideThreadId })];
  if (!isDeepStrictEqual(growingRead?.state, end.state) || !isDeepStrictEqual(wholeRead?.state, end.state)) throw new Error(`growing storage: getLatest of ${threadId} and of its side thread do not both return the thread's state`);
  let parentId = end.parentId;
  const contenders: Contender[] = [
    { id: TIMED.growingSave, label: 'save, growing-state (the thread)', op: async ({ index }) => void (parentId = await saveNext(service, userId, threadId, stateAt(index), parentId)) },
    { id: TIMED.wholeSave, label: 'save, the same state whole (side thread)', op: async ({ index }) => void (sideParentId = await saveNext(whole, userId, sideThreadId, stateAt(index), sideParentId)) },
    { id: TIMED.growingRead, label: 'getLatest, growing-state (the thread)', op: async () => void (await service.getLatest({ userId, threadId })) },
    { id: TIMED.wholeRead, label: 'getLatest, one whole row (side thread)', op: async () => void (await whole.getLatest({ userId, threadId: sideThreadId })) },
  ];
  log(`growing storage: ${end.workload} after ${end.saves} saves, timed: ${contenders.length} contenders (save and getLatest, growing-state and whole), ${measure.rounds} rounds x ${measure.opsPerRound} ops (+${measure.warmupOps} warm-up)`);
  const results = await measureInterleaved(contenders, measure, null);
  const timed = { results };
  return {
    workload: end.workload,
    afterSaves: end.saves,
    firstStateBytes: Buffer.byteLength(JSON.stringify(states[0])),
    lastStateBytes: Buffer.byteLength(JSON.stringify(states[states.length - 1])),
    settings: measure,
    results,
    save: spreadOf(timedRatios(timed, TIMED.growingSave, TIMED.wholeSave)),
    read: spreadOf(timedRatios(timed, TIMED.growingRead, TIMED.wholeRead)),
  };
}

async function runThread(
  db: DatabaseClient,
  service: StatePersistence,
  workload: Workload,
  mode: GrowingStorageRow['mode'],
  marks: number[],
  log: (m: string) => void,
  timed?: Timed,
): Promise<{ rows: GrowingStorageRow[]; timing?: GrowingTiming }> {
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
  let peakStateBytes = 0;
  const last = marks[marks.length - 1] as number;
  for (let step = 0; step < last; step++) {
    if (workload === 'forks' && step % 20 === 19 && history.length > 10) {
      const from = history[history.length - 10] as { id: string; state: ChatState };
      state = from.state;
      parentId = from.id;
    }
    state = nextState(workload, state, step, random);
    parentId = await saveNext(service, userId, threadId, state, parentId);
    history.push({ id: parentId, state });
    if (history.length > 40) history.shift();
    const stateBytes = Buffer.byteLength(JSON.stringify(state));
    peakStateBytes = Math.max(peakStateBytes, stateBytes);
    if (marks.includes(step + 1)) {
      const stored = (await storedBytes(db)) - before;
      rows.push({ workload, mode, saves: step + 1, storedBytes: stored, finalStateBytes: stateBytes, ratio: Math.round((stored / stateBytes) * 100) / 100, peakStateBytes });
      log(`growing storage: ${workload} ${mode} at ${step + 1} saves: ${(stored / 1e6).toFixed(2)} MB stored, ${(stored / stateBytes).toFixed(2)}x the final state`);
    }
  }
  if (!timed) return { rows };
  // Only after the last mark's stored bytes were read: the rounds' saves and their side thread never count in the figures.
  return { rows, timing: await timeRounds({ service, userId, threadId, workload, saves: last, state, parentId, random }, timed, log) };
}

/** The scenario's figures, and issue 22's targets from them (growingStorageTargets.ts). */
export async function runGrowingStorageScenario(url: string, settings: GrowingStorageSettings, log: (m: string) => void): Promise<{ result: GrowingStorageResult; targets: TargetResult[] }> {
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
  let timing: GrowingTiming | undefined;
  try {
    for (const workload of settings.workloads) {
      // Issue 22 sets its save and read goals on the chat workload.
      const timed = workload === 'chat' && settings.timing ? { whole: open(false), settings: settings.timing } : undefined;
      const growing = await runThread(db, open(undefined), workload, 'growing', settings.marks, log, timed);
      rows.push(...growing.rows);
      timing ??= growing.timing;
      const wholeMarks = settings.marks.filter((m) => m <= settings.wholeUpTo);
      if (wholeMarks.length > 0) rows.push(...(await runThread(db, open(false), workload, 'whole', wholeMarks, log)).rows);
    }
  } finally {
    await db.close();
  }
  const savers: SaverStorageRow[] = [];
  for (const turns of settings.saverTurns ?? []) savers.push(await saverStorage(url, turns, log));
  const result: GrowingStorageResult = { rows, ...(savers.length > 0 ? { savers } : {}), ...(timing ? { timing } : {}) };
  return { result, targets: growingStorageTargets(result) };
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

const fixed = (n: number, digits: number) => n.toFixed(digits);

/** The timed rounds: medians of both sides and the per-round ratios the targets take. */
function timingLines(t: GrowingTiming): string[] {
  const of = (id: string) => t.results.find((r) => r.id === id);
  const ms = (id: string) => {
    const r = of(id);
    return r ? `${fixed(r.summary.medianMs, 2)} ms (mean ${fixed(r.summary.meanMs, 2)})` : 'n/a';
  };
  const { warmupOps, rounds, opsPerRound } = t.settings;
  return [
    '',
    `Timed, ${t.workload} workload after ${t.afterSaves.toLocaleString('en-US')} saves (stored bytes read before): the thread goes on (states of ${fixed(t.firstStateBytes / 1e3, 0)}–${fixed(t.lastStateBytes / 1e3, 0)} KB),`,
    `each state saved growing-state on it and whole (growingState: false) on a side thread, both read with getLatest; ${rounds} rounds x ${opsPerRound} ops (+${warmupOps} warm-up)`,
    'of each, interleaved in an order shuffled per round. Medians of all ops; ratios per round (median, min–max over the rounds), the targets:',
    `  save:      growing-state ${ms(TIMED.growingSave)}, the same state whole ${ms(TIMED.wholeSave)}: ${spreadText(t.save)} (goal <= ${GROWING_GOALS.save}x)`,
    `  getLatest: growing-state ${ms(TIMED.growingRead)}, one whole row ${ms(TIMED.wholeRead)}: ${spreadText(t.read)} (goal <= ${GROWING_GOALS.read}x)`,
  ];
}

export function formatGrowingStorage(result: GrowingStorageResult): string[] {
  const out = ['== Growing-state storage: stored bytes (every table, TOAST and indexes) / final state JSON bytes, one thread per workload =='];
  const header = ['workload', 'saves', 'final state', 'largest state', 'growing: stored', 'growing: x final', 'whole: stored', 'whole: x final'];
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
    ]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] as string).length)));
  out.push(...lines.map((l) => l.map((c, i) => (i < 1 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ')));
  out.push('whole: every state of the thread stored whole (growingState: false), run to the marks up to its limit. One seeded run per thread:');
  out.push(`stored bytes vary only with page fill. Goal (issue 22, a target): chat <= ${GROWING_GOALS.storage}x at each mark.`);
  for (const r of result.savers ?? []) {
    out.push(
      '',
      `LangGraph, plain MessagesValue, ${r.turns} turns (${r.checkpoints} checkpoints; pg_column_size of the thread's rows, as stored):`,
      `  AgentStateSaver ${(r.agentStateSaverBytes / 1e6).toFixed(2)} MB, PostgresSaver ${(r.postgresSaverBytes / 1e6).toFixed(2)} MB: ${r.ratio.toFixed(3)}x (goal <= ${GROWING_GOALS.saver}x)`,
    );
  }
  if (result.timing) out.push(...timingLines(result.timing));
  return out;
}

/**
 * DeltaChannel: a LangGraph chat of `turns` turns (about 1 KB per message;
 * every 5th turn a tool round: AI tool call, tool message, AI answer) on a
 * StateGraph with `new StateSchema({ messages: MessagesDeltaValue })`, run on
 * our saver and on LangGraph's PostgresSaver, and with MessagesValue on ours.
 *
 * - getState latency at an early turn and at the last turn, the threads of
 *   each measured interleaved round by round (measure.ts); the ratio last /
 *   early per round.
 * - Statements and round trips of one getState, counted on the wire.
 * - Bytes stored per thread through our saver, MessagesDeltaValue vs
 *   MessagesValue: pg_column_size of the thread's rows (values compressed as
 *   stored) and the serializer's bytes (uncompressed).
 *
 * With the default 100-update snapshot period and two updates per plain turn
 * (four per tool turn), no measured turn is a snapshot turn: each getState
 * rebuilds `messages` from the last snapshot plus the writes since (turn 10:
 * 24 updates since none; turn 200: 80 since the snapshot at update 400).
 */
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { END, MessagesDeltaValue, MessagesValue, START, StateGraph, StateSchema, type BaseCheckpointSaver } from '@langchain/langgraph';
import { openPostgresBackend, type Backend } from '../clients';
import { measureInterleaved, type Contender, type ContenderResult } from '../measure';
import { makeState } from '../payloads';
import { startWireCounter } from '../profile/wireCounter';
import type { RatioSpread, TargetResult } from '../results';
import { perRoundRatios, spreadOf, spreadText } from '../stats';
import { target } from '../targets';

export interface DeltaChannelSettings {
  /** turns of the long conversation; the short one stops at `earlyTurn` */
  turns: number;
  earlyTurn: number;
  warmupOps: number;
  rounds: number;
  opsPerRound: number;
}

type SaverKind = 'agentstate' | 'postgres-saver';
type Schema = 'MessagesDeltaValue' | 'MessagesValue';

export interface DeltaChannelRow extends ContenderResult {
  saver: SaverKind;
  schema: Schema;
  turn: number;
  messages: number;
  /** one getState, counted on the wire */
  statements: number;
  roundTrips: number;
}

export interface DeltaChannelResult {
  turns: number;
  earlyTurn: number;
  messageBytes: number;
  rows: DeltaChannelRow[];
  /** per round: getState median at the last turn / at the early turn, per saver and schema */
  growth: Array<{ saver: SaverKind; schema: Schema; ratio: RatioSpread }>;
  /**
   * per round, at each measured turn: a saver's MessagesDeltaValue getState / ours with
   * MessagesValue (the same messages read from one stored list, one statement): what
   * rebuilding the list from its writes costs beyond reading it
   */
  versusFullList: Array<{ saver: SaverKind; turn: number; ratio: RatioSpread }>;
  storage: Array<{ schema: Schema; turns: number; checkpoints: number; storedBytes: number; serializedBytes: number }>;
  /** the same getState calls measured through the bench's delay link, per distance above 0 (statements as at loopback) */
  atDistances: Array<{ rttMs: number; rows: DeltaChannelRow[] }>;
}

export const MESSAGE_BYTES = 1024;
const TOOL_TURN_EVERY = 5;
const USER_ID = 'dev-temp-bench-delta';

/** About MESSAGE_BYTES of prose, the same for a given index on every saver. */
function text(index: number): string {
  return makeState(MESSAGE_BYTES * 2, 10_000 + index)
    .messages.map((m) => m.content)
    .join(' ')
    .slice(0, MESSAGE_BYTES);
}

export function chatGraph(schema: Schema, checkpointer: BaseCheckpointSaver) {
  const State = new StateSchema({ messages: schema === 'MessagesDeltaValue' ? MessagesDeltaValue : MessagesValue });
  const last = (messages: BaseMessage[]) => messages[messages.length - 1];
  return new StateGraph(State)
    .addNode('model', (state) => {
      const n = state.messages.length;
      const asked = last(state.messages);
      const toolCall = asked?.getType() === 'human' && String(asked.content).startsWith('tool:') ? [{ id: `call-${n}`, name: 'lookup', args: { n } }] : [];
      return { messages: [new AIMessage({ id: `ai-${n}`, content: text(n), tool_calls: toolCall })] };
    })
    .addNode('tool', (state) => {
      const n = state.messages.length;
      const call = (last(state.messages) as AIMessage).tool_calls?.[0];
      return { messages: [new ToolMessage({ id: `tool-${n}`, tool_call_id: call?.id ?? '', content: text(n) })] };
    })
    .addEdge(START, 'model')
    .addConditionalEdges('model', (state) => ((last(state.messages) as AIMessage).tool_calls?.length ? 'tool' : END))
    .addEdge('tool', 'model')
    .compile({ checkpointer });
}

interface Thread {
  saver: SaverKind;
  schema: Schema;
  turn: number;
  config: { configurable: Record<string, string> };
}

function configFor(saver: SaverKind, schema: Schema, turn: number): Thread['config'] {
  const threadId = `delta-${schema}-${turn}`;
  return { configurable: saver === 'agentstate' ? { thread_id: threadId, user_id: USER_ID } : { thread_id: threadId } };
}

function checkpointerOf(backend: Backend, saver: SaverKind): BaseCheckpointSaver {
  if (saver === 'agentstate') return backend.agentSaver;
  if (!backend.saver) throw new Error('PostgresSaver needs PostgreSQL');
  return backend.saver;
}

export async function converse(graph: ReturnType<typeof chatGraph>, config: Thread['config'], turns: number): Promise<void> {
  for (let turn = 1; turn <= turns; turn++) {
    const tool = turn % TOOL_TURN_EVERY === 0 ? 'tool: ' : '';
    await graph.invoke({ messages: [new HumanMessage({ id: `h-${turn}`, content: `${tool}${text(-turn)}` })] }, config);
  }
}

const label = (t: Thread) => `${t.saver === 'agentstate' ? '7 AgentStateSaver' : '6 PostgresSaver'}, ${t.schema}, turn ${t.turn}`;
const idOf = (t: Thread) => `${t.saver}-${t.schema}-t${t.turn}`;

/** A distance the scenario's getState calls are measured at: loopback (0) or through the bench's delay link. */
export interface DeltaChannelDistance {
  rttMs: number;
  url: string;
}

/**
 * Builds the threads once over `url` (loopback), then measures getState at
 * every distance, its threads interleaved round by round. The loopback rows,
 * growth and storage are the scenario's own figures; at a distance above 0
 * the target compares PostgresSaver's getState with ours on the long thread.
 */
export async function runDeltaChannelScenario(
  url: string,
  distances: readonly DeltaChannelDistance[],
  settings: DeltaChannelSettings,
  log: (message: string) => void,
): Promise<{ result: DeltaChannelResult; targets: TargetResult[] }> {
  const { turns, earlyTurn } = settings;
  const threads: Thread[] = [];
  for (const [saver, schema] of [['agentstate', 'MessagesDeltaValue'], ['postgres-saver', 'MessagesDeltaValue'], ['agentstate', 'MessagesValue']] as const) {
    for (const turn of [earlyTurn, turns]) threads.push({ saver, schema, turn, config: configFor(saver, schema, turn) });
  }
  const backend = await openPostgresBackend(url, 2);
  let storage: DeltaChannelResult['storage'];
  try {
    for (const thread of threads) {
      const started = performance.now();
      await converse(chatGraph(thread.schema, checkpointerOf(backend, thread.saver)), thread.config, thread.turn);
      log(`delta channel: ${label(thread)} built in ${Math.round(performance.now() - started)} ms`);
    }
    storage = await Promise.all(
      (['MessagesDeltaValue', 'MessagesValue'] as const).map(async (schema) => ({ schema, turns, ...(await storedBytes(backend, configFor('agentstate', schema, turns).configurable.thread_id as string)) })),
    );
  } finally {
    await backend.close();
  }
  const measured: Array<{ rttMs: number; results: ContenderResult[] }> = [];
  for (const distance of distances) measured.push({ rttMs: distance.rttMs, results: await measureGetState(distance.url, threads, settings) });
  const wire = await countGetState(url, threads);
  const rowsAt = (results: ContenderResult[]): DeltaChannelRow[] =>
    threads.map((thread, i) => ({ ...(results[i] as ContenderResult), saver: thread.saver, schema: thread.schema, turn: thread.turn, ...(wire[i] as WireFigures) }));
  const pickIn = (rows: DeltaChannelRow[], saver: SaverKind, schema: Schema, turn: number) => rows.find((r) => r.saver === saver && r.schema === schema && r.turn === turn) as DeltaChannelRow;
  const loopback = measured.find((m) => m.rttMs === 0) ?? (measured[0] as { rttMs: number; results: ContenderResult[] });
  const rows = rowsAt(loopback.results);
  const pick = (saver: SaverKind, schema: Schema, turn: number) => pickIn(rows, saver, schema, turn);
  const growth = threads
    .filter((t) => t.turn === turns)
    .map(({ saver, schema }) => ({ saver, schema, ratio: spreadOf(perRoundRatios(pick(saver, schema, turns).rounds, pick(saver, schema, earlyTurn).rounds, (r) => r.medianMs)) }));
  const versusFullList = threads
    .filter((t) => t.schema === 'MessagesDeltaValue')
    .map(({ saver, turn }) => ({ saver, turn, ratio: spreadOf(perRoundRatios(pick(saver, 'MessagesDeltaValue', turn).rounds, pick('agentstate', 'MessagesValue', turn).rounds, (r) => r.medianMs)) }));
  const ours = pick('agentstate', 'MessagesDeltaValue', turns);
  const early = pick('agentstate', 'MessagesDeltaValue', earlyTurn);
  const targets = [
    target(
      'delta-getstate-growth',
      `AgentStateSaver graph.getState median, MessagesDeltaValue chat, turn ${turns} vs turn ${earlyTurn}`,
      perRoundRatios(ours.rounds, early.rounds, (r) => r.medianMs),
      '<=',
      1.2,
      `${ours.rounds.length} rounds, interleaved; all ops: ${ours.summary.medianMs} / ${early.summary.medianMs} ms; ${ours.statements} / ${early.statements} statements; messages ${ours.messages} / ${early.messages}`,
      loopback.rttMs,
    ),
  ];
  const atDistances = measured.filter((m) => m.rttMs > 0).map((m) => ({ rttMs: m.rttMs, rows: rowsAt(m.results) }));
  for (const at of atDistances) {
    const theirs = pickIn(at.rows, 'postgres-saver', 'MessagesDeltaValue', turns);
    const mine = pickIn(at.rows, 'agentstate', 'MessagesDeltaValue', turns);
    targets.push(
      target(
        `delta-getstate-vs-postgres-saver-rtt${at.rttMs}ms`,
        `graph.getState of the ${turns}-turn MessagesDeltaValue chat, PostgresSaver / AgentStateSaver (x faster)`,
        perRoundRatios(theirs.rounds, mine.rounds, (r) => r.medianMs),
        '>=',
        10,
        `${mine.rounds.length} rounds, interleaved; all ops: ${theirs.summary.medianMs} / ${mine.summary.medianMs} ms; statements ${theirs.statements} vs ${mine.statements}`,
        at.rttMs,
      ),
    );
  }
  return { result: { turns, earlyTurn, messageBytes: MESSAGE_BYTES, rows, growth, versusFullList, storage, atDistances }, targets };
}

/** getState of every thread, interleaved round by round, over `url`. */
async function measureGetState(url: string, threads: Thread[], settings: DeltaChannelSettings): Promise<ContenderResult[]> {
  const backend = await openPostgresBackend(url, 2);
  try {
    const readers: Contender[] = threads.map((thread) => {
      const graph = chatGraph(thread.schema, checkpointerOf(backend, thread.saver));
      return { id: idOf(thread), label: label(thread), op: async () => void (await graph.getState(thread.config)) };
    });
    return await measureInterleaved(readers, { concurrency: 1, warmupOps: settings.warmupOps, rounds: settings.rounds, opsPerRound: settings.opsPerRound }, null);
  } finally {
    await backend.close();
  }
}

interface WireFigures {
  messages: number;
  statements: number;
  roundTrips: number;
}

/** Statements and round trips of one getState per thread, counted on the wire after one untimed getState (connections and statements warm). */
async function countGetState(url: string, threads: Thread[]): Promise<WireFigures[]> {
  const wire = await startWireCounter(url);
  try {
    const backend = await openPostgresBackend(wire.url, 1);
    try {
      const figures: WireFigures[] = [];
      for (const thread of threads) {
        const graph = chatGraph(thread.schema, checkpointerOf(backend, thread.saver));
        await graph.getState(thread.config);
        wire.reset();
        const state = await graph.getState(thread.config);
        const counts = wire.snapshot();
        figures.push({ messages: state.values.messages.length, statements: counts.statements, roundTrips: counts.roundTrips });
      }
      return figures;
    } finally {
      await backend.close();
    }
  } finally {
    await wire.close();
  }
}

/** One of our threads as stored: its checkpoint, blob, write and element rows (growing-state storage) (pg_column_size: compressed as stored) and the serializer's bytes. */
async function storedBytes(backend: Backend, threadId: string): Promise<{ checkpoints: number; storedBytes: number; serializedBytes: number }> {
  const where = 'user_id = $1 AND thread_id = $2';
  const [row] = await backend.sql.query<{ checkpoints: string; stored: string; serialized: string }>(
    `SELECT (SELECT count(*) FROM agent_checkpoints WHERE ${where})::text AS checkpoints,
       ((SELECT coalesce(sum(pg_column_size(c.*)), 0) FROM agent_checkpoints c WHERE ${where})
        + (SELECT coalesce(sum(pg_column_size(b.*)), 0) FROM agent_checkpoint_blobs b WHERE ${where})
        + (SELECT coalesce(sum(pg_column_size(w.*)), 0) FROM agent_checkpoint_writes w WHERE ${where})
        + (SELECT coalesce(sum(pg_column_size(e.*)), 0) FROM agent_state_elements e WHERE ${where}))::text AS stored,
       ((SELECT coalesce(sum(octet_length(c.checkpoint::text) + octet_length(c.metadata)), 0) FROM agent_checkpoints c WHERE ${where})
        + (SELECT coalesce(sum(octet_length(b.blob)), 0) + coalesce(sum(octet_length(b.layout::text)), 0) FROM agent_checkpoint_blobs b WHERE ${where})
        + (SELECT coalesce(sum(octet_length(e.body)), 0) FROM agent_state_elements e WHERE ${where})
        + (SELECT coalesce(sum(octet_length(w.blob)), 0) FROM agent_checkpoint_writes w WHERE ${where}))::text AS serialized`,
    [USER_ID, threadId],
  );
  return { checkpoints: Number(row?.checkpoints), storedBytes: Number(row?.stored), serializedBytes: Number(row?.serialized) };
}

const fixed = (n: number, digits: number) => n.toFixed(digits);
const saverName = (saver: SaverKind) => (saver === 'agentstate' ? 'AgentStateSaver' : 'PostgresSaver');
const bytes = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;

/** The scenario's tables, for the printed report. */
export function formatDeltaChannel(d: DeltaChannelResult): string[] {
  const out = [
    `== DeltaChannel: graph.getState of a ${d.turns}-turn chat (about ${d.messageBytes} B per message; every ${TOOL_TURN_EVERY}th turn a tool round), PostgreSQL, 1 client ==`,
    '| thread | messages | median ms | p99 ms | statements | round trips |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...d.rows.map((r) => `| ${r.label} | ${r.messages} | ${fixed(r.summary.medianMs, 3)} | ${fixed(r.summary.p99Ms, 3)} | ${r.statements} | ${r.roundTrips} |`),
    '',
    `getState median, turn ${d.turns} / turn ${d.earlyTurn} (per round, interleaved; min–max over the rounds):`,
    ...d.growth.map((g) => `  ${saverName(g.saver)}, ${g.schema}: ${spreadText(g.ratio)}`),
    '',
    'getState median, MessagesDeltaValue / the same messages as MessagesValue on AgentStateSaver (one stored list, one statement), per round:',
    ...d.versusFullList.map((v) => `  ${saverName(v.saver)}, turn ${v.turn}: ${spreadText(v.ratio)}`),
    '',
    `Stored per thread through AgentStateSaver after ${d.turns} turns, every value stored whole (growingState: false; pg_column_size of its rows, as stored; serializer's bytes):`,
    ...d.storage.map((s) => `  ${s.schema}: ${s.checkpoints} checkpoints, ${bytes(s.storedBytes)} stored, ${bytes(s.serializedBytes)} serialized`),
  ];
  const [delta, full] = d.storage;
  if (delta && full && delta.storedBytes > 0) out.push(`  MessagesValue / MessagesDeltaValue: ${fixed(full.storedBytes / delta.storedBytes, 1)}x stored, ${fixed(full.serializedBytes / delta.serializedBytes, 1)}x serialized`);
  if (d.storage.length > 0) out.push('  (with growing-state storage, the default, a MessagesValue chat is stored about once: the growing-state table below)');
  for (const at of d.atDistances ?? []) {
    out.push('', `getState at ${at.rttMs} ms of round trip (through the link):`, '| thread | median ms | p99 ms | statements |', '| --- | ---: | ---: | ---: |');
    out.push(...at.rows.map((r) => `| ${r.label} | ${fixed(r.summary.medianMs, 3)} | ${fixed(r.summary.p99Ms, 3)} | ${r.statements} |`));
  }
  return out;
}

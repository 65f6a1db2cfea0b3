/**
 * Test helpers for DeltaChannel graphs (not exported from index.ts): a small
 * deterministic chat graph with LangGraph's MessagesDeltaValue and a
 * DeltaValue of our own, and a view of a StateSnapshot that two savers must
 * agree on (checkpoint ids, which each saver mints itself, replaced by their
 * creation rank).
 */
import type { DatabaseClient, SqlRunner } from '@agentstate/db';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import { DeltaValue, END, MessagesDeltaValue, START, StateGraph, StateSchema, interrupt, messagesDeltaReducer, type BaseCheckpointSaver, type StateSnapshot } from '@langchain/langgraph';
import { z } from 'zod';

/** Appends each write (a list of strings) in order: order-sensitive, batching-invariant, no messages. */
export const appendLog = (current: string[], writes: string[][]): string[] => current.concat(...writes);

/**
 * messages: LangGraph's MessagesDeltaValue (a snapshot every 100 updates), or
 * the same reducer snapshotting every `messagesSnapshotEvery` updates; log:
 * our own DeltaValue, a snapshot every 3 updates; turns: a plain value.
 */
function chatState(messagesSnapshotEvery?: number) {
  const messages =
    messagesSnapshotEvery === undefined
      ? MessagesDeltaValue
      : new DeltaValue(z.custom<BaseMessage[]>().default(() => []), { inputSchema: z.custom<BaseMessage[]>(), reducer: messagesDeltaReducer, snapshotFrequency: messagesSnapshotEvery });
  return new StateSchema({
    messages,
    log: new DeltaValue(z.array(z.string()).default(() => []), { inputSchema: z.array(z.string()), reducer: appendLog, snapshotFrequency: 3 }),
    turns: z.number().default(0),
  });
}

const lastText = (messages: BaseMessage[]) => String(messages[messages.length - 1]?.content ?? '');

/**
 * START -> chat -> END, or -> ask (interrupt()) when the last message starts
 * with "ask", or -> left + right in parallel (both writing both delta
 * channels in one superstep) when it starts with "fan". Message ids are
 * deterministic, so both savers' runs produce the same values.
 */
export function buildChatGraph(checkpointer: BaseCheckpointSaver, options: { messagesSnapshotEvery?: number } = {}) {
  return new StateGraph(chatState(options.messagesSnapshotEvery))
    .addNode('chat', (state) => {
      const n = state.messages.length;
      return { messages: [new AIMessage({ id: `ai-${n}`, content: `re: ${lastText(state.messages)}` })], log: [`chat:${n}`], turns: state.turns + 1 };
    })
    .addNode('ask', (state) => {
      const answer = String(interrupt({ question: lastText(state.messages) }));
      return { messages: [new AIMessage({ id: `answer-${state.messages.length}`, content: `answer: ${answer}` })], log: [`ask:${answer}`] };
    })
    .addNode('left', (state) => ({ messages: [new AIMessage({ id: `left-${state.messages.length}`, content: 'left' })], log: ['left'] }))
    .addNode('right', (state) => ({ messages: [new AIMessage({ id: `right-${state.messages.length}`, content: 'right' })], log: ['right'] }))
    .addEdge(START, 'chat')
    .addConditionalEdges('chat', (state) => {
      const text = String(state.messages.filter((m) => m.getType() === 'human').at(-1)?.content ?? '');
      if (text.startsWith('ask')) return ['ask'];
      if (text.startsWith('fan')) return ['left', 'right'];
      return [END];
    })
    .addEdge('ask', END)
    .addEdge('left', END)
    .addEdge('right', END)
    .compile({ checkpointer });
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * Ranks of checkpoint ids (oldest first), the same on two savers driven in
 * lockstep: LangGraph's ids grow with creation time within a process.
 */
export function ranksOf(ids: Iterable<string>): Map<string, number> {
  return new Map([...ids].sort().map((id, rank) => [id, rank]));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A snapshot as two savers must both show it: JSON (messages as LangChain
 * serializes them), checkpoint ids by rank, other UUIDs (task ids, which
 * LangGraph derives from checkpoint ids) and hashes masked, owner and
 * timestamps dropped.
 */
export function comparable(snapshot: StateSnapshot, ranks: Map<string, number>): unknown {
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const rank = ranks.get(value);
      if (rank !== undefined) return `checkpoint#${rank}`;
      if (UUID.test(value)) return 'uuid';
      if (/^[0-9a-f]{32}$/.test(value)) return 'hash';
      return value.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'uuid');
    }
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([key]) => key !== 'user_id' && key !== 'createdAt' && key !== 'ts')
          .map(([key, v]) => [ranks.has(key) ? `checkpoint#${ranks.get(key)}` : key, walk(v)]),
      );
    }
    return value;
  };
  return walk(JSON.parse(JSON.stringify(snapshot)));
}

/** The test database with every statement the saver sends counted: db.sql on PostgreSQL, Prisma's $queryRaw on PGlite. */
export function countingDatabase(db: DatabaseClient) {
  let count = 0;
  const sql: SqlRunner | undefined = db.sql && { query: (text, values, options) => (count++, db.sql!.query(text, values, options)) };
  const prisma = new Proxy(db.prisma, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (property === '$queryRaw') return (...args: unknown[]) => (count++, (value as (...a: unknown[]) => unknown).apply(target, args));
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    db: { ...db, prisma, ...(sql ? { sql } : {}) } as typeof db & { kind: 'pglite' | 'postgresql' },
    reset: () => void (count = 0),
    statements: () => count,
  };
}

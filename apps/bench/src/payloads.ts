/**
 * Deterministic agent-like states of a chosen JSON size. Every contender writes
 * the very same objects (op n uses variant n mod VARIANTS), so differences in
 * the results come from the write path, not from the data. Text is drawn from
 * a small vocabulary so it compresses like prose (TOAST compresses large rows).
 */
import { seededRandom } from '@agentstate/db/testing';

export interface AgentMessage {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  tokens: number;
}

export interface AgentState {
  step: number;
  messages: AgentMessage[];
  scratchpad: { plan: string[]; done: boolean; score: number };
}

export interface Payload {
  /** e.g. "1KB" */
  label: string;
  /** size of JSON.stringify of the first variant */
  bytes: number;
  variants: AgentState[];
}

export const VARIANTS = 4;

const WORDS =
  'agent state thread user snapshot plan tool call result search weather city answer model token context memory step run graph node edge retry cache index query page latest history lineage parent commit'.split(
    ' ',
  );
const ROLES = ['user', 'assistant', 'tool'] as const;

function sentence(random: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(random() * WORDS.length)] as string);
  return out.join(' ');
}

/** One state whose JSON is close to (never more than ~60 bytes over) targetBytes. */
export function makeState(targetBytes: number, seed: number): AgentState {
  const random = seededRandom(seed);
  const state: AgentState = {
    step: seed,
    messages: [],
    scratchpad: { plan: [sentence(random, 4), sentence(random, 4)], done: false, score: Math.round(random() * 1000) / 1000 },
  };
  let size = JSON.stringify(state).length;
  // Grow with messages of decreasing length so the result lands near the target.
  while (size < targetBytes) {
    const room = targetBytes - size;
    const words = Math.max(1, Math.min(40, Math.floor((room - 45) / 6)));
    const message: AgentMessage = { role: ROLES[Math.floor(random() * 3)] as AgentMessage['role'], content: sentence(random, words), tokens: words };
    state.messages.push(message);
    size += JSON.stringify(message).length + 1;
  }
  return state;
}

export function makePayload(label: string, targetBytes: number): Payload {
  const variants = Array.from({ length: VARIANTS }, (_, i) => makeState(targetBytes, i + 1));
  return { label, bytes: JSON.stringify(variants[0]).length, variants };
}

/** Variant `index` mod VARIANTS (negative indexes too: setup saves use them). */
export function stateFor(payload: Payload, index: number): AgentState {
  const n = payload.variants.length;
  return payload.variants[((index % n) + n) % n] as AgentState;
}

import type { Backend } from '../clients';
import type { Contender } from '../measure';
import type { Payload } from '../payloads';

/** What a save contender is built from: the backend's shared clients and the scenario's payload. */
export interface SaveContext {
  backend: Backend;
  payload: Payload;
  /** run-wide unique numbers: ids of brand-new users, LangGraph channel versions */
  nextId(): number;
}

/**
 * Where a save contender's snapshots land, so the stored bytes of its own rows
 * can be found (storage.ts): a snapshot table and the user id prefix only this
 * contender uses, or LangGraph's tables (PostgresSaver's, or ours: agent_checkpoints…)
 * and this contender's thread id prefix.
 */
export type StoredIn =
  | { tables: 'agent_state_snapshots' | 'bench_yardstick_snapshots'; userPrefix: string }
  | { tables: 'langgraph' | 'agent_checkpoints'; threadPrefix: string };

export interface SaveContender extends Contender {
  storedIn: StoredIn;
}

export type SaveContenderFactory = (context: SaveContext) => SaveContender;

export const THREAD = 'thread-1';

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

export type SaveContenderFactory = (context: SaveContext) => Contender;

export const THREAD = 'thread-1';

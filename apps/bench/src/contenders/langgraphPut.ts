/**
 * 6. LangGraph's PostgresSaver.put with the same state: one channel "state"
 * carrying the payload, a new channel version per put (so its blob is really
 * written, not skipped by ON CONFLICT DO NOTHING), parent = the client's
 * previous checkpoint, as the Pregel loop calls it. Tables from saver.setup().
 */
import { uuid6 } from '@langchain/langgraph-checkpoint';
import type { Checkpoint } from '@langchain/langgraph-checkpoint';
import { stateFor } from '../payloads';
import type { SaveContender, SaveContext } from './types';

export function langgraphPut({ backend, payload, nextId }: SaveContext): SaveContender {
  const saver = backend.saver;
  if (!saver) throw new Error('LangGraph PostgresSaver needs PostgreSQL');
  const parents = new Map<number, string>();
  // Threads of this scenario only (stored bytes are measured per scenario).
  const threadPrefix = `bench-lg-${nextId()}-`;
  return {
    id: 'langgraph-put',
    label: '6 LangGraph PostgresSaver.put',
    storedIn: { tables: 'langgraph', threadPrefix },
    async op({ worker, index }) {
      const version = nextId();
      const checkpoint: Checkpoint = {
        v: 4,
        id: uuid6(index & 0x3fff),
        ts: new Date().toISOString(),
        channel_values: { state: stateFor(payload, index) },
        channel_versions: { state: version },
        versions_seen: {},
      };
      const parent = parents.get(worker);
      await saver.put(
        { configurable: { thread_id: `${threadPrefix}${worker}`, checkpoint_ns: '', ...(parent ? { checkpoint_id: parent } : {}) } },
        checkpoint,
        { source: 'loop', step: index, parents: {} },
        { state: version },
      );
      parents.set(worker, checkpoint.id);
    },
  };
}

/**
 * 7. Our LangGraph saver's put (@agentstate/langgraph), the same calls as
 * contender 6 (one channel "state" carrying the payload, a new channel version
 * per put, parent = the client's previous checkpoint), in steady state: the
 * dev user and the threads exist and this saver has written for them (setup
 * does one put per client), so every timed put takes the fast path: the
 * single-statement INSERT (blob + checkpoint), the foreign keys checking the
 * user and thread, grouped with concurrent puts into one statement and commit
 * (the saver's default group commit on PostgreSQL).
 */
import { uuid6 } from '@langchain/langgraph-checkpoint';
import type { Checkpoint } from '@langchain/langgraph-checkpoint';
import { stateFor } from '../payloads';
import type { SaveContender, SaveContext } from './types';

export function agentStateSaverPut({ backend, payload, nextId }: SaveContext): SaveContender {
  const saver = backend.agentSaver;
  const parents = new Map<number, string>();
  // Threads of this scenario only (stored bytes are measured per scenario).
  const threadPrefix = `bench-as-${nextId()}-`;
  const userId = 'dev-temp-bench-saver';
  const put = async (worker: number, index: number) => {
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
      { configurable: { thread_id: `${threadPrefix}${worker}`, checkpoint_ns: '', user_id: userId, ...(parent ? { checkpoint_id: parent } : {}) } },
      checkpoint,
      { source: 'loop', step: index, parents: {} },
      { state: version },
    );
    parents.set(worker, checkpoint.id);
  };
  return {
    id: 'agentstate-saver-put',
    label: '7 AgentStateSaver.put (ours), steady',
    storedIn: { tables: 'agent_checkpoints', threadPrefix },
    async setup(concurrency) {
      for (let worker = 0; worker < concurrency; worker++) await put(worker, -1 - worker);
    },
    op: ({ worker, index }) => put(worker, index),
  };
}

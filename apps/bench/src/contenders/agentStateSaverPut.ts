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
import { checkpointPuts } from './langgraphPut';
import type { SaveContender, SaveContext } from './types';

export function agentStateSaverPut(context: SaveContext): SaveContender {
  // Threads of this scenario only (stored bytes are measured per scenario).
  const threadPrefix = `bench-as-${context.nextId()}-`;
  const put = checkpointPuts(context.backend.agentSaver, context, threadPrefix, { user_id: 'dev-temp-bench-saver' });
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

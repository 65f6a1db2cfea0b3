/**
 * 6. LangGraph's PostgresSaver.put with the same state: one channel "state"
 * carrying the payload, a new channel version per put (so its blob is really
 * written, not skipped by ON CONFLICT DO NOTHING), parent = the client's
 * previous checkpoint, as the Pregel loop calls it. Tables from saver.setup().
 */
import { uuid6 } from '@langchain/langgraph-checkpoint';
import type { BaseCheckpointSaver, Checkpoint } from '@langchain/langgraph-checkpoint';
import { stateFor } from '../payloads';
import type { SaveContender, SaveContext } from './types';

/** What both savers' contenders put: the Pregel loop's call, one per op, continuing the worker's previous checkpoint. */
export function checkpointPuts(
  saver: Pick<BaseCheckpointSaver, 'put'>,
  { payload, nextId }: Pick<SaveContext, 'payload' | 'nextId'>,
  threadPrefix: string,
  configurable: Record<string, string> = {},
): (worker: number, index: number) => Promise<void> {
  const parents = new Map<number, string>();
  return async (worker, index) => {
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
      { configurable: { thread_id: `${threadPrefix}${worker}`, checkpoint_ns: '', ...configurable, ...(parent ? { checkpoint_id: parent } : {}) } },
      checkpoint,
      { source: 'loop', step: index, parents: {} },
      { state: version },
    );
    parents.set(worker, checkpoint.id);
  };
}

export function langgraphPut(context: SaveContext): SaveContender {
  const saver = context.backend.saver;
  if (!saver) throw new Error('LangGraph PostgresSaver needs PostgreSQL');
  // Threads of this scenario only (stored bytes are measured per scenario).
  const threadPrefix = `bench-lg-${context.nextId()}-`;
  const put = checkpointPuts(saver, context, threadPrefix);
  return {
    id: 'langgraph-put',
    label: '6 LangGraph PostgresSaver.put',
    storedIn: { tables: 'langgraph', threadPrefix },
    op: ({ worker, index }) => put(worker, index),
  };
}

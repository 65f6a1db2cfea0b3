import type { ReadRow } from './readStatements';
import type { SnapshotWrite, WrittenRow } from './snapshotWrites';
import type { Snapshot } from './types';

/** A row as every read returns it (readStatements.ts): state and metadata decoded, created_at in epoch ms. */
export function fromRow<State>(row: ReadRow): Snapshot<State> {
  // A literal, not a spread: a page maps up to 500 of these.
  return {
    id: row.id,
    userId: row.user_id,
    threadId: row.thread_id,
    runId: row.run_id,
    parentId: row.parent_id,
    createdAt: new Date(Number(row.created_ms)),
    state: row.state as State,
    metadata: row.metadata as Record<string, unknown>,
  };
}

/**
 * The snapshot just written: the caller's own state and metadata (decoding
 * what we just encoded would cost as much again), plus what the database assigned.
 */
export function fromWrite<State>(w: SnapshotWrite, row: WrittenRow, state: unknown, metadata: unknown): Snapshot<State> {
  // A literal, not a spread: this runs on every save.
  return { id: row.id, userId: w.userId, threadId: w.threadId, runId: w.runId, parentId: w.parentId, createdAt: row.created_at, state: state as State, metadata: (metadata ?? {}) as Record<string, unknown> };
}

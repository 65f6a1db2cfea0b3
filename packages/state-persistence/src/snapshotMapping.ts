import type { ReadRow } from './readStatements';
import type { SnapshotWrite, WrittenRow } from './snapshotWrites';
import type { Snapshot } from './types';

type Identity = Omit<Snapshot, 'state' | 'metadata'>;

function snapshot<State>(identity: Identity, state: unknown, metadata: unknown): Snapshot<State> {
  return { ...identity, state: state as State, metadata: metadata as Record<string, unknown> };
}

/** A row as every read returns it (readStatements.ts): state and metadata decoded, created_at in epoch ms. */
export function fromRow<State>(row: ReadRow): Snapshot<State> {
  const identity = { id: row.id, userId: row.user_id, threadId: row.thread_id, runId: row.run_id, parentId: row.parent_id, createdAt: new Date(Number(row.created_ms)) };
  return snapshot(identity, row.state, row.metadata);
}

/**
 * The snapshot just written: the caller's own state and metadata (decoding
 * what we just encoded would cost as much again), plus what the database assigned.
 */
export function fromWrite<State>(w: SnapshotWrite, row: WrittenRow, state: unknown, metadata: unknown): Snapshot<State> {
  // A literal, not a spread: this runs on every save.
  return { id: row.id, userId: w.userId, threadId: w.threadId, runId: w.runId, parentId: w.parentId, createdAt: row.created_at, state: state as State, metadata: (metadata ?? {}) as Record<string, unknown> };
}

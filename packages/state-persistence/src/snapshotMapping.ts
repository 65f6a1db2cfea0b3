import { decodeValue, reviveValue } from './stateCodec';
import type { SnapshotRow, SnapshotWrite, WrittenRow } from './snapshotWrites';
import type { Snapshot } from './types';

export function fromRow<State>(row: SnapshotRow): Snapshot<State> {
  return {
    id: row.id,
    userId: row.user_id,
    threadId: row.thread_id,
    runId: row.run_id,
    parentId: row.parent_id,
    state: decodeValue(row.state_json) as State,
    metadata: decodeValue(row.metadata_json) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

/** The snapshot just written: our own encoding decoded, plus what the database assigned. */
export function fromWrite<State>(w: SnapshotWrite, row: WrittenRow): Snapshot<State> {
  return {
    id: row.id,
    userId: w.userId,
    threadId: w.threadId,
    runId: w.runId,
    parentId: w.parentId,
    state: decodeValue(w.stateJson) as State,
    metadata: decodeValue(w.metadataJson) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

/** A row read through Prisma's typed API (jsonb already parsed by the driver). */
export interface SnapshotRecord {
  id: string;
  userId: string;
  threadId: string;
  runId: string;
  parentId: string | null;
  state: unknown;
  metadata: unknown;
  createdAt: Date;
}

export function fromRecord<State>(record: SnapshotRecord): Snapshot<State> {
  return {
    id: record.id,
    userId: record.userId,
    threadId: record.threadId,
    runId: record.runId,
    parentId: record.parentId,
    state: reviveValue(record.state) as State,
    metadata: reviveValue(record.metadata) as Record<string, unknown>,
    createdAt: record.createdAt,
  };
}

/** Columns read for a Snapshot (never `seq`, which is internal). */
export const SNAPSHOT_SELECT = {
  id: true,
  userId: true,
  threadId: true,
  runId: true,
  parentId: true,
  state: true,
  metadata: true,
  createdAt: true,
} as const;

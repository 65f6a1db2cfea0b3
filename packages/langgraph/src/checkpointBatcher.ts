/**
 * Group commit (GroupCommit of @agentstate/write-path, as the
 * service's saves use it) for steady puts: the fast path, user and thread
 * known to exist, several puts in ONE statement.
 *
 * The thread and the user are left to the foreign keys, as in a single put
 * (checking them in the statement was a semi-join planned and run on every
 * batch). If the statement fails (a thread or user deleted behind the
 * saver's back, two puts of one checkpoint id in one batch, anything
 * unexpected), each put is written again on its own, in arrival order, so one
 * bad put fails alone: a put whose thread is gone gets the foreign key error
 * of a single put, which the write path turns into its ensure path
 * (provisioning, or its own typed error) while the others commit. A lost
 * connection fails every put of the batch with that error.
 *
 * Large puts skip the queue (their cost is the server storing the bytes, not
 * the commit; and array parameters carry bytea as hex text).
 */
import { Prisma } from '@agentstate/db';
import { GroupCommit, type GroupCommitOptions, type Queryable } from '@agentstate/write-path';
import { insertCheckpoint, type CheckpointWrite, type StatementResult } from './statements';

export type { GroupCommitOptions } from '@agentstate/write-path';

const FAST_PATH_WRITTEN: StatementResult = { written: true, ensured: null };

/** insert(write), a fast-path put (no ensure plan): written, or a foreign key error when its thread or user is gone. */
export class CheckpointBatcher extends GroupCommit<CheckpointWrite, StatementResult> {
  constructor(db: Queryable, options: GroupCommitOptions = {}) {
    super(
      {
        one: (write) => insertCheckpoint(db, write, null),
        async many(writes) {
          await insertCheckpoints(db, writes);
          return writes.map(() => FAST_PATH_WRITTEN);
        },
        bytes: rowBytes,
        // in arrival order: a later put of the same checkpoint id wins, as without batching
        retry: 'in-order',
      },
      options,
    );
  }
}

function rowBytes(w: CheckpointWrite): number {
  return w.checkpointJson.length + w.metadata.byteLength + (w.metadataFilterJson?.length ?? 0) + w.blobs.reduce((sum, b) => sum + (b.blob?.byteLength ?? 0), 0);
}

const buffer = (value: Uint8Array | null) => (value === null ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength));

/** Several puts in one statement: each put's blobs and checkpoint row, all or nothing. */
export async function insertCheckpoints(db: Queryable, writes: CheckpointWrite[]): Promise<void> {
  const column = <T>(pick: (w: CheckpointWrite, index: number) => T) => writes.map(pick);
  const blobs = writes.flatMap((w, ord) => w.blobs.map((b) => ({ ord, ...b })));
  await db.rows(Prisma.sql`
    WITH ok AS MATERIALIZED (
      SELECT i.* FROM unnest(${column((_, i) => i)}::int[], ${column((w) => w.userId)}::text[], ${column((w) => w.threadId)}::text[],
                             ${column((w) => w.checkpointNs)}::text[], ${column((w) => w.checkpointId)}::text[], ${column((w) => w.parentCheckpointId)}::text[],
                             ${column((w) => w.checkpointJson)}::text[], ${column((w) => w.metadataType)}::text[], ${column((w) => buffer(w.metadata))}::bytea[],
                             ${column((w) => w.metadataFilterJson)}::text[])
        AS i(ord, user_id, thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata_type, metadata, metadata_json)),
    cp_blobs AS (
      INSERT INTO agent_checkpoint_blobs (user_id, thread_id, checkpoint_ns, channel, version, type, blob)
      SELECT ok.user_id, ok.thread_id, ok.checkpoint_ns, b.channel, b.version, b.type, b.blob
      FROM unnest(${blobs.map((b) => b.ord)}::int[], ${blobs.map((b) => b.channel)}::text[], ${blobs.map((b) => b.version)}::text[],
                  ${blobs.map((b) => b.type)}::text[], ${blobs.map((b) => buffer(b.blob))}::bytea[]) AS b(ord, channel, version, type, blob)
      JOIN ok ON ok.ord = b.ord
      ON CONFLICT DO NOTHING
      RETURNING 1),
    cp_rows AS (
      INSERT INTO agent_checkpoints (user_id, thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata_type, metadata, metadata_json)
      SELECT ok.user_id, ok.thread_id, ok.checkpoint_ns, ok.checkpoint_id, ok.parent_checkpoint_id, ok.checkpoint::jsonb, ok.metadata_type, ok.metadata, ok.metadata_json::jsonb
      FROM ok
      ON CONFLICT (user_id, thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET
        checkpoint = EXCLUDED.checkpoint, metadata_type = EXCLUDED.metadata_type, metadata = EXCLUDED.metadata, metadata_json = EXCLUDED.metadata_json
      RETURNING 1)
    SELECT (SELECT count(*) FROM cp_rows) + (SELECT count(*) FROM cp_blobs) AS rows_written`);
}

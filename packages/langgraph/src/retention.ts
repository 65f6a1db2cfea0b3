/**
 * Retention (prune), in one statement, that never breaks a checkpoint it keeps.
 *
 * The checkpoints chosen to stay are the newest `keepLast` of each thread and
 * namespace, and (with `olderThan`) every one created since. A checkpoint can
 * need more than its own rows: a DeltaChannel value it does not hold is
 * rebuilt from the pending writes of its ancestors back to the nearest one
 * that holds the channel's value (getDeltaChannelHistory's walk). So the
 * keep-set is closed over that walk: every ancestor a kept checkpoint's walk
 * visits stays, with its pending writes and the blobs it resolves (the seed
 * among them), and so does every ancestor those need in turn, because each
 * of them is listed by getStateHistory and must read as it did.
 *
 * Which channels are delta channels the saver learns from LangGraph's own
 * bookkeeping: checkpoint metadata `counters_since_delta_snapshot` names every
 * delta channel that has not just been snapshotted. A channel is walked for,
 * as LangGraph walks it on read, when the checkpoint does not hold its value
 * and it has a version (or the branch predates `delta_writes_versioned`).
 * Metadata stored without a JSON copy (a serializer that does not write JSON)
 * says nothing, so there every channel the checkpoint does not hold is
 * walked for: more is kept, nothing a kept checkpoint needs is lost.
 *
 * Deleted checkpoints take their pending writes with them; a blob is deleted
 * only when no checkpoint that stays resolves a channel through it,
 * whichever checkpoint wrote it.
 */
import { Prisma } from '@agentstate/db';
import type { Queryable } from '@agentstate/write-path';
import { holdsValue } from './deltaHistory';

/** The checkpoint row `cp`'s user, thread and namespace, for holdsValue. */
const CP_SCOPE = { userId: Prisma.sql`cp.user_id`, threadId: Prisma.sql`cp.thread_id`, checkpointNs: Prisma.sql`cp.checkpoint_ns` };
const holds = (channel: Prisma.Sql) => holdsValue(CP_SCOPE, Prisma.sql`(cp.checkpoint -> 'channel_versions')`, channel);

/** SQL: the delta channels checkpoint row `cp` needs rebuilt from its ancestors (a sorted text[]). */
function walkedFor(): Prisma.Sql {
  const counters = Prisma.sql`CASE WHEN cp.metadata_json IS NULL THEN cp.checkpoint -> 'channel_versions'
      WHEN jsonb_typeof(cp.metadata_json -> 'counters_since_delta_snapshot') = 'object' THEN cp.metadata_json -> 'counters_since_delta_snapshot'
      ELSE '{}'::jsonb END`;
  return Prisma.sql`ARRAY(SELECT ch FROM jsonb_object_keys(${counters}) ch
    WHERE NOT ${holds(Prisma.sql`ch`)}
      AND ((cp.checkpoint -> 'channel_versions' -> ch) IS NOT NULL OR cp.metadata_json -> 'delta_writes_versioned' IS DISTINCT FROM 'true'::jsonb)
    ORDER BY ch)`;
}

export interface PruneCounts {
  checkpoints: number;
  writes: number;
  blobs: number;
}

/**
 * Deletes the checkpoints of a user's threads (one, or all) that are not in
 * the keep-set: beyond the newest `keepLast` per thread and namespace AND
 * (when `olderThan` is given) created before it, AND needed by no kept
 * checkpoint's delta channels.
 */
export async function pruneCheckpoints(db: Queryable, userId: string, threadId: string | null, keepLast: number, olderThan: Date | null): Promise<PruneCounts> {
  const thread = threadId === null ? Prisma.empty : Prisma.sql`AND thread_id = ${threadId}::text`;
  const age = olderThan === null ? Prisma.empty : Prisma.sql`AND created_at < ${olderThan.toISOString()}::timestamptz`;
  const sameRow = (alias: string, other: string) => Prisma.raw(`${alias}.thread_id = ${other}.thread_id AND ${alias}.checkpoint_ns = ${other}.checkpoint_ns AND ${alias}.checkpoint_id = ${other}.checkpoint_id`);
  const rows = await db.rows<PruneCounts>(Prisma.sql`
    WITH RECURSIVE
    ranked AS (
      SELECT thread_id, checkpoint_ns, checkpoint_id, created_at, checkpoint -> 'channel_versions' AS versions,
             row_number() OVER (PARTITION BY thread_id, checkpoint_ns ORDER BY checkpoint_id DESC) AS n
      FROM agent_checkpoints WHERE user_id = ${userId}::text ${thread}),
    chosen AS (SELECT thread_id, checkpoint_ns, checkpoint_id FROM ranked WHERE NOT (n > ${keepLast}::int ${age})),
    -- onward: the delta channels still to be walked for, from this checkpoint to its parent
    keep (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, onward) AS (
      SELECT cp.thread_id, cp.checkpoint_ns, cp.checkpoint_id, cp.parent_checkpoint_id, ${walkedFor()}
      FROM chosen c JOIN agent_checkpoints cp ON cp.user_id = ${userId}::text AND ${sameRow('cp', 'c')}
      UNION
      SELECT cp.thread_id, cp.checkpoint_ns, cp.checkpoint_id, cp.parent_checkpoint_id,
             ARRAY(SELECT ch FROM (SELECT ch FROM unnest(k.onward) ch WHERE NOT ${holds(Prisma.sql`ch`)}
                                   UNION SELECT unnest(${walkedFor()})) AS onward(ch) ORDER BY ch)
      FROM keep k CROSS JOIN LATERAL (
        SELECT * FROM agent_checkpoints cp WHERE cp.user_id = ${userId}::text AND cp.thread_id = k.thread_id
          AND cp.checkpoint_ns = k.checkpoint_ns AND cp.checkpoint_id = k.parent_checkpoint_id LIMIT 1) cp
      WHERE cardinality(k.onward) > 0),
    doomed AS (SELECT r.thread_id, r.checkpoint_ns, r.checkpoint_id FROM ranked r WHERE NOT EXISTS (SELECT 1 FROM keep k WHERE ${sameRow('k', 'r')})),
    kept AS (SELECT r.thread_id, r.checkpoint_ns, r.versions FROM ranked r WHERE NOT EXISTS (SELECT 1 FROM doomed d WHERE ${sameRow('d', 'r')})),
    del_checkpoints AS (
      DELETE FROM agent_checkpoints c USING doomed d
      WHERE c.user_id = ${userId}::text AND ${sameRow('c', 'd')}
      RETURNING 1),
    del_writes AS (
      DELETE FROM agent_checkpoint_writes w USING doomed d
      WHERE w.user_id = ${userId}::text AND ${sameRow('w', 'd')}
      RETURNING 1),
    needed AS (
      SELECT k.thread_id, k.checkpoint_ns, cv.key AS channel, cv.value AS version
      FROM kept k CROSS JOIN LATERAL jsonb_each_text(k.versions) cv),
    del_blobs AS (
      DELETE FROM agent_checkpoint_blobs b
      WHERE b.user_id = ${userId}::text ${threadId === null ? Prisma.empty : Prisma.sql`AND b.thread_id = ${threadId}::text`}
        AND EXISTS (SELECT 1 FROM doomed d WHERE d.thread_id = b.thread_id AND d.checkpoint_ns = b.checkpoint_ns)
        AND NOT EXISTS (SELECT 1 FROM needed n WHERE n.thread_id = b.thread_id AND n.checkpoint_ns = b.checkpoint_ns AND n.channel = b.channel AND n.version = b.version)
      RETURNING 1)
    SELECT (SELECT count(*) FROM del_checkpoints)::int AS checkpoints, (SELECT count(*) FROM del_writes)::int AS writes, (SELECT count(*) FROM del_blobs)::int AS blobs`);
  const first = rows[0];
  return { checkpoints: Number(first?.checkpoints ?? 0), writes: Number(first?.writes ?? 0), blobs: Number(first?.blobs ?? 0) };
}

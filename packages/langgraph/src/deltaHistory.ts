/**
 * getDeltaChannelHistory in ONE statement, whatever the depth of the thread.
 *
 * LangGraph's DeltaChannel stores only each step's writes; to read a channel
 * at a checkpoint it asks the saver for the pending writes of the
 * checkpoint's ancestors back to the nearest one holding the channel's value
 * (its seed: a DeltaSnapshot, or a plain value from before the channel was a
 * delta). The inherited implementation walks `parentConfig` with one getTuple
 * per ancestor. Here a recursive CTE walks parent_checkpoint_id within the
 * user's thread and namespace, channel by channel, with exactly the inherited
 * walk's semantics:
 * - the walk starts at the target's parent (the target's own writes are for
 *   the next step) and follows parents only, so on a forked thread only
 *   on-path ancestors contribute;
 * - at each ancestor it collects the writes of the channels still walking,
 *   then stops a channel when that ancestor holds a value for it (the
 *   ancestor's writes included: they were applied on top of that value);
 * - "holds a value" is what getTuple would return: the checkpoint's version
 *   of the channel resolves to a stored blob that is not "empty".
 * The walk is UNION, not UNION ALL: a row seen before ends it, so even a
 * parent chain that loops (only crafted ids can make one) ends; the chain is
 * then rebuilt here and the loop reported.
 *
 * Writes come back oldest ancestor first and, within one ancestor, in
 * LangGraph's canonical order (compareWritesSortKeys: task path, task id,
 * index; strings by code point), sorted here rather than in SQL, where a
 * collation's order is not code point order.
 */
import { Prisma } from '@agentstate/db';
import { blobBytes } from './statements';
import type { Queryable } from '@agentstate/write-path';
import { compareWritesSortKeys, writesSortKey } from '@langchain/langgraph-checkpoint';
import { CheckpointCycleError } from './errors';
import type { ThreadKey } from './statements';

/**
 * SQL: a checkpoint holds a value for `channel`: its version of the channel
 * (`versions`, its channel_versions) resolves to a stored, non-empty blob,
 * as getTuple resolves channel values. `scope` is the checkpoint's user,
 * thread and namespace as SQL values. A scalar subquery with LIMIT 1 (the
 * key is unique, so it changes no result) stays one primary-key lookup
 * whatever the planner thinks of the table (see SELECT_CHECKPOINTS).
 * Shared with prune's keep-set.
 */
export function holdsValue(scope: { userId: Prisma.Sql; threadId: Prisma.Sql; checkpointNs: Prisma.Sql }, versions: Prisma.Sql, channel: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`coalesce((
    SELECT hb.type <> 'empty' FROM agent_checkpoint_blobs hb
    WHERE hb.user_id = ${scope.userId} AND hb.thread_id = ${scope.threadId} AND hb.checkpoint_ns = ${scope.checkpointNs}
      AND hb.channel = ${channel} AND hb.version = ${versions} ->> ${channel}
    LIMIT 1), false)`;
}

/** What the statement answers, values still serialized (base64). */
export interface HistoryRow {
  /** the target's parent, where the walk starts (null: no such target, or it has no parent) */
  start: string | null;
  /** [checkpoint_id, parent_checkpoint_id] of every ancestor visited */
  chain: Array<[string, string | null]> | null;
  /** [checkpoint_id, task_path, task_id, idx, channel, type, base64] */
  writes: Array<[string, string, string, number, string, string, string]> | null;
  /** [checkpoint_id, channel, type, base64 | null]: the value an ancestor holds, where a channel's walk stopped */
  seeds: Array<[string, string, string, string | null]> | null;
}

/**
 * Every lookup below is a parameterized primary-key lookup (a LATERAL
 * subquery with LIMIT 1 or OFFSET 0, which the planner cannot turn into a
 * join over the whole thread): the statement reads the walked ancestors, not
 * the thread, so its cost follows the walk's length, never the depth.
 */
export async function selectDeltaChannelHistory(db: Queryable, key: ThreadKey, checkpointId: string | undefined, channels: string[]): Promise<HistoryRow> {
  const scope = { userId: Prisma.sql`${key.userId}::text`, threadId: Prisma.sql`${key.threadId}::text`, checkpointNs: Prisma.sql`${key.checkpointNs}::text` };
  const same = (alias: string) => {
    const a = Prisma.raw(alias);
    return Prisma.sql`${a}.user_id = ${scope.userId} AND ${a}.thread_id = ${scope.threadId} AND ${a}.checkpoint_ns = ${scope.checkpointNs}`;
  };
  const checkpoint = (id: Prisma.Sql) => Prisma.sql`(
        SELECT cp.checkpoint_id, cp.parent_checkpoint_id, cp.checkpoint -> 'channel_versions' AS versions
        FROM agent_checkpoints cp WHERE ${same('cp')} AND cp.checkpoint_id = ${id} LIMIT 1) cp`;
  const held = Prisma.sql`ARRAY(SELECT ch FROM unnest(c.remaining) ch WHERE ${holdsValue(scope, Prisma.sql`cp.versions`, Prisma.sql`ch`)})`;
  const target = checkpointId === undefined ? Prisma.empty : Prisma.sql`AND cp.checkpoint_id = ${checkpointId}::text`;
  const rows = await db.rows<HistoryRow>(Prisma.sql`
    WITH RECURSIVE
    target AS (
      SELECT cp.parent_checkpoint_id FROM agent_checkpoints cp WHERE ${same('cp')} ${target}
      ORDER BY cp.checkpoint_id DESC LIMIT 1),
    walk (checkpoint_id, parent_checkpoint_id, versions, remaining, held) AS (
      SELECT cp.checkpoint_id, cp.parent_checkpoint_id, cp.versions, c.remaining, ${held}
      FROM target t
      CROSS JOIN (SELECT ${channels}::text[] AS remaining) c
      CROSS JOIN LATERAL ${checkpoint(Prisma.sql`t.parent_checkpoint_id`)}
      UNION
      SELECT cp.checkpoint_id, cp.parent_checkpoint_id, cp.versions, c.remaining, ${held}
      FROM walk w
      CROSS JOIN LATERAL (SELECT ARRAY(SELECT ch FROM unnest(w.remaining) ch WHERE ch <> ALL (w.held)) AS remaining) c
      CROSS JOIN LATERAL ${checkpoint(Prisma.sql`w.parent_checkpoint_id`)}
      WHERE cardinality(c.remaining) > 0)
    SELECT (SELECT parent_checkpoint_id FROM target) AS start,
      (SELECT jsonb_agg(jsonb_build_array(w.checkpoint_id, w.parent_checkpoint_id)) FROM walk w) AS chain,
      (SELECT jsonb_agg(jsonb_build_array(w.checkpoint_id, x.task_path, x.task_id, x.idx, x.channel, x.type, encode(x.blob, 'base64')))
         FROM walk w CROSS JOIN LATERAL (
           SELECT x.task_path, x.task_id, x.idx, x.channel, x.type, x.blob FROM agent_checkpoint_writes x
           WHERE ${same('x')} AND x.checkpoint_id = w.checkpoint_id AND x.channel = ANY (w.remaining) OFFSET 0) x) AS writes,
      (SELECT jsonb_agg(jsonb_build_array(w.checkpoint_id, ch, b.type, encode(${blobBytes('b')}, 'base64')))
         FROM walk w CROSS JOIN unnest(w.held) ch CROSS JOIN LATERAL (
           SELECT b.user_id, b.thread_id, b.type, b.blob, b.layout FROM agent_checkpoint_blobs b
           WHERE ${same('b')} AND b.channel = ch AND b.version = w.versions ->> ch LIMIT 1) b) AS seeds`);
  return rows[0] ?? { start: null, chain: null, writes: null, seeds: null };
}

/** One channel's history, still serialized. */
export interface SerializedHistory {
  writes: Array<{ taskId: string; channel: string; type: string; blob: string }>;
  seed?: { type: string; blob: string | null };
}

/**
 * The statement's answer per requested channel, in LangGraph's order: the
 * oldest ancestor's writes first; within an ancestor, by writes sort key.
 * Pure. Throws CheckpointCycleError when the parent chain loops.
 */
export function orderHistory(row: HistoryRow, channels: readonly string[], where: ThreadKey): Record<string, SerializedHistory> {
  const parents = new Map((row.chain ?? []).map(([id, parent]) => [id, parent]));
  // Position on the chain: 0 is the target's parent, growing towards the root.
  const position = new Map<string, number>();
  for (let id = row.start; id !== null && parents.has(id); id = parents.get(id) ?? null) {
    if (position.has(id)) throw new CheckpointCycleError(where.threadId, where.checkpointNs, id);
    position.set(id, position.size);
  }
  const at = (id: string) => position.get(id) ?? -1;
  const writes = [...(row.writes ?? [])].sort(
    ([idA, pathA, taskA, idxA], [idB, pathB, taskB, idxB]) => at(idB) - at(idA) || compareWritesSortKeys(writesSortKey(pathA, taskA, idxA), writesSortKey(pathB, taskB, idxB)),
  );
  const result: Record<string, SerializedHistory> = {};
  for (const channel of channels) result[channel] = { writes: [] };
  for (const [, , taskId, , channel, type, blob] of writes) result[channel]?.writes.push({ taskId, channel, type, blob });
  for (const [, channel, type, blob] of row.seeds ?? []) {
    const entry = result[channel];
    if (entry) entry.seed = { type, blob };
  }
  return result;
}

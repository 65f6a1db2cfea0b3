/**
 * Stored bytes per snapshot, measured over each save scenario's recorded
 * rounds (from after the warm-up batches to the end), two ways:
 *
 * - on disk: pg_total_relation_size (heap + TOAST + every index + free-space
 *   and visibility maps) of each group of tables before and after the
 *   scenario, divided by the snapshot rows added to it meanwhile. This is the
 *   honest cost (page fill, TOAST chunking, index entries and page splits
 *   included), but it belongs to a table, not a contender: every contender
 *   that writes agent_state_snapshots shares its figure (their rows are
 *   identical: same columns, same states). The yardstick's table and
 *   LangGraph's tables (checkpoints + checkpoint_blobs + checkpoint_writes)
 *   each have a single writer, so theirs are their own.
 * - per row: pg_column_size of each of the contender's own rows (found by its
 *   user or thread id prefix, rows added during the scenario), averaged:
 *   the row as stored, toasted values counted compressed; for LangGraph the
 *   checkpoint row plus its blob rows per checkpoint. Attributable to one
 *   contender, but without indexes and page overhead.
 *
 * Rows other than the snapshot (the user, thread and audit rows a first save
 * creates) are not counted. See apps/bench/README.md.
 */
import type { SqlRunner } from './clients';
import type { SaveContender, StoredIn } from './contenders';
import type { StoredBytes } from './results';
import { round } from './stats';
import { YARDSTICK_TABLE } from './yardstick';

type Group = StoredIn['tables'];

const GROUP_TABLES: Record<Group, string[]> = {
  agent_state_snapshots: ['agent_state_snapshots'],
  [YARDSTICK_TABLE]: [YARDSTICK_TABLE],
  langgraph: ['checkpoints', 'checkpoint_blobs', 'checkpoint_writes'],
  agent_checkpoints: ['agent_checkpoints', 'agent_checkpoint_blobs', 'agent_checkpoint_writes'],
};

/** The checkpoint, blob and write tables of a LangGraph-shaped group (no seq column: rows are counted). */
function checkpointTables(group: Group): [string, string, string] | null {
  if (group === 'langgraph') return ['checkpoints', 'checkpoint_blobs', 'checkpoint_writes'];
  if (group === 'agent_checkpoints') return ['agent_checkpoints', 'agent_checkpoint_blobs', 'agent_checkpoint_writes'];
  return null;
}

interface GroupMark {
  bytes: number;
  /** max(seq) for our tables; count(checkpoints) for LangGraph's */
  mark: number;
}

async function markGroup(sql: SqlRunner, group: Group): Promise<GroupMark> {
  const size = GROUP_TABLES[group].map((t) => `pg_total_relation_size('${t}')`).join(' + ');
  const checkpoints = checkpointTables(group);
  const mark = checkpoints ? `(SELECT count(*) FROM ${checkpoints[0]})` : `(SELECT coalesce(max(seq), 0) FROM ${group})`;
  const [row] = await sql.query<{ bytes: string; mark: string }>(`SELECT (${size})::text AS bytes, ${mark}::text AS mark`);
  return { bytes: Number(row?.bytes), mark: Number(row?.mark) };
}

async function rowsAddedSince(sql: SqlRunner, group: Group, start: GroupMark): Promise<number> {
  const checkpoints = checkpointTables(group);
  const [row] = checkpoints
    ? await sql.query<{ n: string }>(`SELECT (count(*) - $1::bigint)::text AS n FROM ${checkpoints[0]}`, [start.mark])
    : await sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${group} WHERE seq > $1::bigint`, [start.mark]);
  return Number(row?.n);
}

/** The contender's own rows added since `start`: how many, and their average stored size. */
async function ownRows(sql: SqlRunner, storedIn: StoredIn, start: GroupMark): Promise<{ rows: number; bytes: number }> {
  if ('threadPrefix' in storedIn) {
    // Its threads are unique to the scenario (langgraphPut, agentStateSaverPut): every checkpoint of the scenario, warm-up puts included.
    const [checkpoints, blobs, writes] = checkpointTables(storedIn.tables) as [string, string, string];
    const [row] = await sql.query<{ rows: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM ${checkpoints} WHERE left(thread_id, length($1)) = $1)::text AS rows,
              ((SELECT coalesce(sum(pg_column_size(c.*)), 0) FROM ${checkpoints} c WHERE left(c.thread_id, length($1)) = $1)
             + (SELECT coalesce(sum(pg_column_size(b.*)), 0) FROM ${blobs} b WHERE left(b.thread_id, length($1)) = $1)
             + (SELECT coalesce(sum(pg_column_size(w.*)), 0) FROM ${writes} w WHERE left(w.thread_id, length($1)) = $1))::text AS bytes`,
      [storedIn.threadPrefix],
    );
    const rows = Number(row?.rows);
    return { rows, bytes: rows > 0 ? Number(row?.bytes) / rows : Number.NaN };
  }
  const [row] = await sql.query<{ rows: string; bytes: string }>(
    `SELECT count(*)::text AS rows, coalesce(avg(pg_column_size(s.*)), 'NaN')::text AS bytes
     FROM ${storedIn.tables} s WHERE seq > $1::bigint AND left(user_id, length($2)) = $2`,
    [start.mark, storedIn.userPrefix],
  );
  return { rows: Number(row?.rows), bytes: Number(row?.bytes) };
}

export interface StorageProbe {
  /** Stored bytes per contender id, for the rows written since the probe started (the recorded rounds). */
  finish(): Promise<Map<string, StoredBytes>>;
}

/** Call after the scenario's warm-up (measureInterleaved's afterWarmup); finish() after its last round. */
export async function startStorageProbe(sql: SqlRunner, contenders: readonly SaveContender[]): Promise<StorageProbe> {
  const groups = [...new Set(contenders.map((c) => c.storedIn.tables))];
  const marks = new Map<Group, GroupMark>();
  for (const group of groups) marks.set(group, await markGroup(sql, group));
  return {
    async finish() {
      const onDisk = new Map<Group, { bytesPerRow: number; rowsAdded: number }>();
      for (const group of groups) {
        const start = marks.get(group) as GroupMark;
        const end = await markGroup(sql, group);
        const rowsAdded = await rowsAddedSince(sql, group, start);
        onDisk.set(group, { bytesPerRow: rowsAdded > 0 ? (end.bytes - start.bytes) / rowsAdded : Number.NaN, rowsAdded });
      }
      const result = new Map<string, StoredBytes>();
      for (const contender of contenders) {
        const group = contender.storedIn.tables;
        const disk = onDisk.get(group) as { bytesPerRow: number; rowsAdded: number };
        const own = await ownRows(sql, contender.storedIn, marks.get(group) as GroupMark);
        result.set(contender.id, {
          tables: GROUP_TABLES[group],
          onDiskBytesPerRow: round(disk.bytesPerRow, 0),
          rowsAdded: disk.rowsAdded,
          sharedWith: contenders.filter((c) => c !== contender && c.storedIn.tables === group).map((c) => c.id),
          rowBytes: round(own.bytes, 0),
          ownRows: own.rows,
        });
      }
      return result;
    },
  };
}

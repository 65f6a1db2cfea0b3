/**
 * History for the read benchmarks, seeded with bulk SQL (INSERT … SELECT
 * generate_series), identically into our tables and into LangGraph's own
 * tables (checkpoints + checkpoint_blobs, rows shaped exactly as
 * PostgresSaver.put writes them: checkpoint JSON without channel_values, one
 * blob per channel version, type "json", the same JSON text as the state).
 *
 * Shape at N rows: every 10th row belongs to the measured thread (its history
 * grows with the table: N/10 rows, interleaved in time with everybody else's);
 * the others are spread by hash over max(5, N/400) users with 4 threads each
 * (at 100k: 250 users, 1,000 threads of ~90 rows). Levels grow the same
 * tables: seedTo(1k), measure, seedTo(10k), measure, …
 */
import type { SqlRunner } from './clients';
import type { AgentState } from './payloads';
import { YARDSTICK_TABLE } from './yardstick';

export const MEASURED = { userId: 'reader-main', threadId: 'thread-main', langgraphThreadId: 'reader-main/thread-main' } as const;
const THREADS_PER_USER = 4;
const STEP_MARK = '"step":"__STEP__"';

export interface HistoryShape {
  rows: number;
  measuredThreadRows: number;
  users: number;
  threads: number;
}

export function historyShape(rows: number): HistoryShape {
  const users = Math.max(5, Math.round(rows / 400));
  return { rows, measuredThreadRows: Math.floor(rows / 10), users, threads: users * THREADS_PER_USER + 1 };
}

/** The owner of row i, in SQL (i is the generate_series column). */
const OWNER_SQL = `
  CASE WHEN i % 10 = 0 THEN '${MEASURED.userId}' ELSE 'reader-' || (mod(hashint4(i)::bigint + 2147483648, $4::int * ${THREADS_PER_USER}) / ${THREADS_PER_USER}) END AS user_id,
  CASE WHEN i % 10 = 0 THEN '${MEASURED.threadId}' ELSE 'thread-' || (mod(hashint4(i)::bigint + 2147483648, $4::int * ${THREADS_PER_USER}) % ${THREADS_PER_USER}) END AS thread_id`;

/** JSON.stringify of the state with a marker where row i's step number goes (replace() in SQL). */
function stateTemplate(state: AgentState): string {
  const text = JSON.stringify({ ...state, step: '__STEP__' });
  if (!text.includes(STEP_MARK)) throw new Error('state template has no step marker');
  return text;
}

/** Grows both schemas from `from` to `to` rows. Returns the shape at `to`. */
export async function seedTo(sql: SqlRunner, from: number, to: number, state: AgentState): Promise<HistoryShape> {
  const shape = historyShape(to);
  const template = stateTemplate(state);
  await sql.query(
    `INSERT INTO userbase (id, email)
     SELECT id, id || '@bench.invalid' FROM (SELECT 'reader-' || g AS id FROM generate_series(0, $1::int - 1) g UNION ALL SELECT $2::text) u
     ON CONFLICT DO NOTHING`,
    [shape.users, MEASURED.userId],
  );
  await sql.query(
    `INSERT INTO agent_threads (user_id, id)
     SELECT 'reader-' || g, 'thread-' || t FROM generate_series(0, $1::int - 1) g, generate_series(0, ${THREADS_PER_USER - 1}) t
     UNION ALL SELECT $2::text, $3::text
     ON CONFLICT DO NOTHING`,
    [shape.users, MEASURED.userId, MEASURED.threadId],
  );
  // ORDER BY i: seq (the history order) follows i, so the measured thread's rows are spread through the table.
  await sql.query(
    `INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, state, metadata, created_at)
     SELECT o.user_id, o.thread_id, 'run-' || (i / 50), replace($1::text, '${STEP_MARK}', '"step":' || i)::jsonb, '{}'::jsonb,
            now() - make_interval(secs => $3::int - i)
     FROM generate_series($2::int + 1, $3::int) i CROSS JOIN LATERAL (SELECT ${OWNER_SQL}) o
     ORDER BY i`,
    [template, from, to, shape.users],
  );
  // LangGraph: thread "<user>/<thread>"; checkpoint ids sort like uuid6 (time-ordered, fixed width); parent = previous checkpoint of the thread.
  await sql.query(
    `WITH src AS (
       SELECT i, o.user_id || '/' || o.thread_id AS thread_id, '1f000000-0000-6000-8000-' || lpad(to_hex(i), 12, '0') AS cid
       FROM generate_series($2::int + 1, $3::int) i CROSS JOIN LATERAL (SELECT ${OWNER_SQL}) o
     ), numbered AS (
       SELECT src.*, coalesce(lag(cid) OVER (PARTITION BY thread_id ORDER BY i),
                              (SELECT max(c.checkpoint_id) FROM checkpoints c WHERE c.thread_id = src.thread_id AND c.checkpoint_ns = '')) AS parent
       FROM src
     ), blobs AS (
       INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
       SELECT thread_id, '', 'state', i::text, 'json', convert_to(replace($1::text, '${STEP_MARK}', '"step":' || i), 'UTF8') FROM numbered
     )
     INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
     SELECT thread_id, '', cid, parent,
            jsonb_build_object('v', 4, 'id', cid, 'ts', to_char((now() - make_interval(secs => $3::int - i)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                               'channel_versions', jsonb_build_object('state', i), 'versions_seen', '{}'::jsonb),
            jsonb_build_object('source', 'loop', 'step', i, 'parents', '{}'::jsonb)
     FROM numbered ORDER BY i`,
    [template, from, to, shape.users],
  );
  // What autovacuum would have done by the time a table has this history: fresh statistics, visibility map.
  for (const table of ['userbase', 'agent_threads', 'agent_state_snapshots', 'checkpoints', 'checkpoint_blobs']) await sql.query(`VACUUM ANALYZE ${table}`);
  return shape;
}

/** Empties both schemas (between the save scenarios and the read levels). */
export async function truncateAll(sql: SqlRunner): Promise<void> {
  await sql.query(
    `TRUNCATE agent_state_snapshots, ${YARDSTICK_TABLE}, agent_threads, userbase, user_provisioning_audit, checkpoints, checkpoint_blobs, checkpoint_writes`,
  );
}

/** The step number of the newest row of the measured thread at `rows` rows (every 10th row is the measured thread's). */
export function latestMeasuredStep(rows: number): number {
  return Math.floor(rows / 10) * 10;
}

/**
 * History for the read benchmarks, the same rows in our table and in
 * LangGraph's tables:
 *
 * - ours: bulk SQL (INSERT … SELECT generate_series), rows exactly as a save
 *   writes them (the service's own write path adds nothing a read sees);
 * - LangGraph's: through PostgresSaver.put itself, its real write path (one
 *   checkpoint row without channel_values plus one blob per new channel
 *   version, serialized by its own serde), with the parent, channel version
 *   and uuid6 checkpoint id the Pregel loop would pass. Puts run concurrently
 *   over the saver's pool, in row order, each thread's puts one after the
 *   other (a thread's history is a chain); the row counts are verified.
 * - our LangGraph saver's (@agentstate/langgraph): the very same puts through
 *   AgentStateSaver.put, owner in configurable.user_id and our thread id
 *   (LangGraph's thread ids are "<user>/<thread>": it has no user), so the
 *   same row counts per level land in agent_checkpoints / agent_checkpoint_blobs.
 *
 * Shape at N rows: every 10th row belongs to the measured thread (its history
 * grows with the table: N/10 rows, interleaved in time with everybody else's);
 * the others are spread by hash over max(5, N/400) users with 4 threads each
 * (at 100k: 250 users, 1,000 threads of ~90 rows). Levels grow the same
 * tables: seedTo(1k), measure, seedTo(10k), measure, …
 */
import { uuid6, type Checkpoint } from '@langchain/langgraph-checkpoint';
import type { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import type { AgentStateSaver } from '@agentstate/langgraph';
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

/** The owner of row i, in SQL (i is the generate_series column; `users` the parameter holding the user count). */
const ownerSql = (users: string) => `
  CASE WHEN i % 10 = 0 THEN '${MEASURED.userId}' ELSE 'reader-' || (mod(hashint4(i)::bigint + 2147483648, ${users}::int * ${THREADS_PER_USER}) / ${THREADS_PER_USER}) END AS user_id,
  CASE WHEN i % 10 = 0 THEN '${MEASURED.threadId}' ELSE 'thread-' || (mod(hashint4(i)::bigint + 2147483648, ${users}::int * ${THREADS_PER_USER}) % ${THREADS_PER_USER}) END AS thread_id`;

/** JSON.stringify of the state with a marker where row i's step number goes (replace() in SQL). */
function stateTemplate(state: AgentState): string {
  const text = JSON.stringify({ ...state, step: '__STEP__' });
  if (!text.includes(STEP_MARK)) throw new Error('state template has no step marker');
  return text;
}

/** Grows our tables from `from` to `to` rows (bulk SQL). Returns the shape at `to`. */
async function seedSnapshots(sql: SqlRunner, from: number, to: number, state: AgentState): Promise<HistoryShape> {
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
     FROM generate_series($2::int + 1, $3::int) i CROSS JOIN LATERAL (SELECT ${ownerSql('$4')}) o
     ORDER BY i`,
    [template, from, to, shape.users],
  );
  return shape;
}

/** What the Pregel loop keeps per thread between two puts: the previous checkpoint id and channel version. */
interface ThreadTip {
  checkpointId: string;
  version: number;
}

export interface HistorySeeder {
  /** Grows both schemas from the current level to `to` rows, verifies the counts, refreshes statistics. */
  seedTo(to: number): Promise<HistoryShape>;
}

/** One saver's put, as the Pregel loop calls it: the owner row's thread (and user), the parent and channel version of its previous put. */
type SeedPut = (owner: { userId: string; threadId: string }, tip: ThreadTip | undefined, checkpoint: Checkpoint, version: number, step: number) => Promise<unknown>;

/**
 * `concurrency` puts in flight (the savers' pool size). Keeps each thread's
 * tip across levels, as a running graph would. LangGraph's PostgresSaver and
 * our AgentStateSaver get the same puts, one saver after the other.
 */
export function createHistorySeeder(sql: SqlRunner, saver: PostgresSaver, agentSaver: AgentStateSaver, state: AgentState, concurrency: number): HistorySeeder {
  let seeded = 0;

  const langgraphPut: SeedPut = (owner, tip, checkpoint, version, step) =>
    saver.put(
      { configurable: { thread_id: `${owner.userId}/${owner.threadId}`, checkpoint_ns: '', ...(tip ? { checkpoint_id: tip.checkpointId } : {}) } },
      checkpoint,
      { source: 'loop', step, parents: {} },
      { state: version },
    );
  const agentStatePut: SeedPut = (owner, tip, checkpoint, version, step) =>
    agentSaver.put(
      { configurable: { thread_id: owner.threadId, checkpoint_ns: '', user_id: owner.userId, ...(tip ? { checkpoint_id: tip.checkpointId } : {}) } },
      checkpoint,
      { source: 'loop', step, parents: {} },
      { state: version },
    );
  const targets = [
    { put: langgraphPut, nextVersion: (v: number | undefined) => saver.getNextVersion(v) as number, tips: new Map<string, ThreadTip>() },
    { put: agentStatePut, nextVersion: (v: number | undefined) => agentSaver.getNextVersion(v) as number, tips: new Map<string, ThreadTip>() },
  ];

  const seedCheckpoints = async (from: number, to: number, users: number) => {
    // The owners in the very same SQL as our rows (ownerSql).
    const owners = await sql.query<{ i: number; user_id: string; thread_id: string }>(
      `SELECT i, o.user_id, o.thread_id FROM generate_series($1::int + 1, $2::int) i CROSS JOIN LATERAL (SELECT ${ownerSql('$3')}) o ORDER BY i`,
      [from, to, users],
    );
    for (const target of targets) {
      const put = async (owner: { userId: string; threadId: string }, step: number) => {
        const key = `${owner.userId}/${owner.threadId}`;
        const tip = target.tips.get(key);
        const version = target.nextVersion(tip?.version);
        const checkpoint: Checkpoint = {
          v: 4,
          id: uuid6(step & 0x3fff), // generated when the put starts: a thread's ids increase with its steps
          ts: new Date().toISOString(),
          channel_values: { state: { ...state, step } },
          channel_versions: { state: version },
          versions_seen: {},
        };
        await target.put(owner, tip, checkpoint, version, step);
        target.tips.set(key, { checkpointId: checkpoint.id, version });
      };
      // Row order across workers; a thread's next put waits for its previous one (tails), so each thread is a chain.
      const tails = new Map<string, Promise<void>>();
      let next = 0;
      const worker = async () => {
        while (next < owners.length) {
          const { i, user_id, thread_id } = owners[next++] as { i: number; user_id: string; thread_id: string };
          const key = `${user_id}/${thread_id}`;
          const previous = tails.get(key);
          const mine = (async () => {
            await previous;
            await put({ userId: user_id, threadId: thread_id }, i);
          })();
          tails.set(key, mine);
          await mine;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    }
  };

  return {
    async seedTo(to: number): Promise<HistoryShape> {
      const from = seeded;
      const shape = await seedSnapshots(sql, from, to, state);
      await seedCheckpoints(from, to, shape.users);
      seeded = to;
      const [counts] = await sql.query<Record<string, number>>(
        `SELECT (SELECT count(*)::int FROM agent_state_snapshots) AS snapshots,
                (SELECT count(*)::int FROM agent_state_snapshots WHERE user_id = $1 AND thread_id = $2) AS measured,
                (SELECT count(*)::int FROM checkpoints) AS checkpoints,
                (SELECT count(*)::int FROM checkpoints WHERE thread_id = $3) AS measured_checkpoints,
                (SELECT count(*)::int FROM checkpoint_blobs) AS blobs,
                (SELECT count(*)::int FROM agent_checkpoints) AS agent_checkpoints,
                (SELECT count(*)::int FROM agent_checkpoints WHERE user_id = $1 AND thread_id = $2) AS measured_agent_checkpoints,
                (SELECT count(*)::int FROM agent_checkpoint_blobs) AS agent_blobs`,
        [MEASURED.userId, MEASURED.threadId, MEASURED.langgraphThreadId],
      );
      const m = shape.measuredThreadRows;
      const expected = { snapshots: to, measured: m, checkpoints: to, measured_checkpoints: m, blobs: to, agent_checkpoints: to, measured_agent_checkpoints: m, agent_blobs: to };
      if (JSON.stringify(counts) !== JSON.stringify(expected)) {
        throw new Error(`seeded history has the wrong row counts: ${JSON.stringify(counts)}, expected ${JSON.stringify(expected)}`);
      }
      // What autovacuum would have done by the time a table has this history: fresh statistics, visibility map.
      for (const table of ['userbase', 'agent_threads', 'agent_state_snapshots', 'checkpoints', 'checkpoint_blobs', 'agent_checkpoints', 'agent_checkpoint_blobs']) {
        await sql.query(`VACUUM ANALYZE ${table}`);
      }
      return shape;
    },
  };
}

/** Empties both schemas (between the save scenarios and the read levels). */
export async function truncateAll(sql: SqlRunner): Promise<void> {
  await sql.query(
    `TRUNCATE agent_state_snapshots, agent_state_elements, agent_state_element_logs, agent_checkpoints, agent_checkpoint_blobs, agent_checkpoint_writes, ${YARDSTICK_TABLE}, agent_threads, userbase, user_provisioning_audit, checkpoints, checkpoint_blobs, checkpoint_writes`,
  );
}

/** The step number of the newest row of the measured thread at `rows` rows (every 10th row is the measured thread's). */
export function latestMeasuredStep(rows: number): number {
  return Math.floor(rows / 10) * 10;
}

/**
 * Growing-state storage, the SQL parts (docs/concepts/growing-state.md): the
 * CTEs a door puts in its own single save statement, the expression that
 * reads a state back as JSON text, and the collection of unreferenced
 * elements. Pure builders of Prisma.sql; the doors run them.
 *
 * Why the statement is safe without trusting the writer's cache:
 *  - every element save updates the thread's row in agent_state_element_logs
 *    (allocating seqs), so element saves of one thread serialize on that row;
 *  - a save reusing elements it believes exist names the epoch and last_seq it
 *    saw; the update only happens when both still hold (READ COMMITTED
 *    re-checks them on the newest row version after waiting for the lock);
 *  - collection gives the thread a new epoch first (same lock), so a save
 *    either commits before collection looks for references, or is refused
 *    and stored afresh. A refused save writes nothing else and is retried.
 */
import { Prisma } from '@agentstate/db';
import type { PlannedLayout } from './growingState';

/** What an element save needs beyond its planned layout. */
export interface ElementSave {
  userId: string;
  threadId: string;
  plan: PlannedLayout;
  /** epoch and last_seq the plan's reused elements were seen under; null for a plan with no reuse (relative) */
  seen: { epoch: string; lastSeq: number } | null;
}

export interface ElementClause {
  /** CTEs for the door's WITH list, after the door's own guard CTEs */
  ctes: Prisma.Sql[];
  /** the door inserts its row `FROM el_ok` (one row when the elements are written) */
  source: Prisma.Sql;
  /** the layout jsonb to store, valid in a query `FROM el_ok` */
  layout: Prisma.Sql;
  /** result columns: el_go (the guard held), el_base (the thread's last_seq before this save), el_epoch; null when not written */
  columns: Prisma.Sql;
}

/** Result columns of a door's statement that carry the element outcome. */
export interface ElementOutcomeColumns {
  el_go?: boolean | null;
  el_base?: string | null;
  el_epoch?: string | null;
}

/** What the element part of a statement did. */
export type ElementOutcome = { kind: 'written'; base: number; epoch: string } | { kind: 'refused' } | { kind: 'guard-failed' };

/** Refused: the guard held but the plan's view of the thread was stale (store afresh and retry). */
export function readElementOutcome(row: ElementOutcomeColumns | undefined): ElementOutcome {
  if (row?.el_base != null && row.el_epoch != null) return { kind: 'written', base: Number(row.el_base), epoch: row.el_epoch };
  return row?.el_go ? { kind: 'refused' } : { kind: 'guard-failed' };
}

/**
 * The element CTEs. `guard` is a FROM … WHERE … tail that yields one row when
 * the door's write may go ahead (the door's parent check, the ensure guard).
 */
export function elementClause(save: ElementSave, guard: Prisma.Sql): ElementClause {
  const { userId, threadId, plan, seen } = save;
  const count = plan.bodies.length;
  const epoch = seen ? seen.epoch : null;
  const lastSeq = seen ? seen.lastSeq : null;
  const layoutJson = JSON.stringify(plan.layout);
  const ctes = [
    Prisma.sql`el_go AS (SELECT true AS go ${guard})`,
    Prisma.sql`el_log AS (
      INSERT INTO agent_state_element_logs AS l (user_id, thread_id, last_seq)
      SELECT ${userId}, ${threadId}, ${count}::int8 FROM el_go
      ON CONFLICT (user_id, thread_id) DO UPDATE SET last_seq = l.last_seq + ${count}::int8
        WHERE ${epoch}::int8 IS NULL OR (l.epoch = ${epoch}::int8 AND l.last_seq = ${lastSeq}::int8)
      RETURNING l.last_seq - ${count}::int8 AS base, l.epoch)`,
    // A row inserted just now has a new epoch: a plan that reuses elements is refused there too.
    Prisma.sql`el_ok AS (SELECT base, epoch FROM el_log WHERE ${epoch}::int8 IS NULL OR epoch = ${epoch}::int8)`,
    Prisma.sql`el_rows AS (
      INSERT INTO agent_state_elements (user_id, thread_id, seq, body)
      SELECT ${userId}, ${threadId}, el_ok.base + b.i, b.body FROM el_ok, unnest(${plan.bodies}::text[]) WITH ORDINALITY b(body, i))`,
  ];
  const layout = plan.relative
    ? Prisma.sql`(SELECT jsonb_agg(CASE WHEN jsonb_typeof(x.v) = 'array' THEN jsonb_build_array((x.v->>0)::int8 + el_ok.base, (x.v->>1)::int8 + el_ok.base) ELSE x.v END ORDER BY x.i)
        FROM jsonb_array_elements(${layoutJson}::jsonb) WITH ORDINALITY x(v, i))`
    : Prisma.sql`${layoutJson}::jsonb`;
  return {
    ctes,
    source: Prisma.sql`FROM el_ok`,
    layout,
    columns: Prisma.sql`EXISTS (SELECT 1 FROM el_go) AS el_go, (SELECT base::text FROM el_ok) AS el_base, (SELECT epoch::text FROM el_ok) AS el_epoch`,
  };
}

/**
 * The JSON text a layout stands for: its pieces and element ranges
 * concatenated in order (one index range scan per range), for the thread
 * given by the `userId` / `threadId` expressions. Null when `layout` is null.
 * The parts are unnested from an array, which the planner sizes at 10 rows
 * (jsonb_array_elements: 100, each with its element range scan): at 100, a
 * statement reading a few blobs or snapshots this way was estimated past
 * jit_above_cost (PostgreSQL's default jit = on), and the JIT compilation
 * (~0.3 s per statement) outweighed the query by a hundred times.
 */
export function layoutText(userId: Prisma.Sql, threadId: Prisma.Sql, layout: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(
    SELECT string_agg(CASE WHEN jsonb_typeof(part.v) = 'string' THEN part.v #>> '{}' ELSE coalesce((
      SELECT string_agg(e.body, ',' ORDER BY e.seq) FROM agent_state_elements e
      WHERE e.user_id = ${userId} AND e.thread_id = ${threadId} AND e.seq BETWEEN (part.v->>0)::int8 AND (part.v->>1)::int8), '') END, '' ORDER BY part.i)
    FROM unnest((SELECT array_agg(x.v ORDER BY x.i) FROM jsonb_array_elements(${layout}) WITH ORDINALITY x(v, i))) WITH ORDINALITY part(v, i))`;
}

/**
 * A snapshot's state as JSON text, for a query over agent_state_snapshots
 * aliased `alias`: the jsonb column when stored whole, else its layout's
 * text, within the one statement. The SQL function
 * agent_state_snapshot_state_text (migration growing_state) is the same
 * expression for people querying by hand; a test keeps them equal.
 */
export function stateTextColumn(alias: string): Prisma.Sql {
  const a = Prisma.raw(alias.replace(/[^A-Za-z0-9_]/g, ''));
  return Prisma.sql`CASE WHEN ${a}.layout IS NULL THEN ${a}.state::text ELSE ${layoutText(Prisma.sql`${a}.user_id`, Prisma.sql`${a}.thread_id`, Prisma.sql`${a}.layout`)} END`;
}

/** Threads as a relation t(user_id, thread_id), from parallel arrays. */
function threadList(threads: ReadonlyArray<{ userId: string; threadId: string }>): Prisma.Sql {
  return Prisma.sql`SELECT * FROM unnest(${threads.map((t) => t.userId)}::text[], ${threads.map((t) => t.threadId)}::text[])`;
}

/**
 * Collection, step 1 (in the transaction that deleted snapshots of these
 * threads): new epochs for their element logs. Waits for element saves in
 * flight on them; later saves that reuse elements see the new epoch and
 * store afresh. Returns the threads that have elements.
 */
export function renewEpochs(threads: ReadonlyArray<{ userId: string; threadId: string }>): Prisma.Sql {
  return Prisma.sql`
    UPDATE agent_state_element_logs l SET epoch = nextval(pg_get_serial_sequence('agent_state_element_logs', 'epoch'))
    FROM (${threadList(threads)}) t(user_id, thread_id)
    WHERE l.user_id = t.user_id AND l.thread_id = t.thread_id
    RETURNING l.user_id, l.thread_id`;
}

/**
 * Collection, step 2 (the next statement of that transaction, so it sees
 * every save committed before step 1 took the locks): deletes the elements
 * of these threads that no layout references (snapshots', and checkpoint
 * blobs' of the LangGraph saver: both doors share a thread's elements).
 */
export function collectElements(threads: ReadonlyArray<{ userId: string; threadId: string }>): Prisma.Sql {
  return Prisma.sql`
    WITH kept AS (
      SELECT t.user_id, t.thread_id, (
        SELECT range_agg(int8range((r.v->>0)::int8, (r.v->>1)::int8, '[]'))
        FROM (SELECT s.layout FROM agent_state_snapshots s WHERE s.user_id = t.user_id AND s.thread_id = t.thread_id AND s.layout IS NOT NULL
              UNION ALL
              SELECT b.layout FROM agent_checkpoint_blobs b WHERE b.user_id = t.user_id AND b.thread_id = t.thread_id AND b.layout IS NOT NULL) l,
             jsonb_array_elements(l.layout) r(v)
        WHERE jsonb_typeof(r.v) = 'array') AS seqs
      FROM (${threadList(threads)}) t(user_id, thread_id))
    DELETE FROM agent_state_elements e USING kept
    WHERE e.user_id = kept.user_id AND e.thread_id = kept.thread_id AND (kept.seqs IS NULL OR NOT kept.seqs @> e.seq)`;
}

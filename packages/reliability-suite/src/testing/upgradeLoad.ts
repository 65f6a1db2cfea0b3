/**
 * Building blocks of upgradeUnderLoad.test.ts: a realistic history seeded in
 * bulk SQL, a stream of saves from several concurrent writers with every
 * attempt timed, a pg_locks sampler, and the arithmetic that turns attempts
 * into "saves failed" and "longest time a save was blocked".
 *
 * Sessions are told apart by application_name: writers connect as
 * WRITER_APP, the migration as MIGRATION_APP, so the sampler can say who
 * waited on which lock.
 */
import { performance } from 'node:perf_hooks';
import { randomInt, seededRandom } from '@agentstate/db/testing';
import type { StatePersistence } from '@agentstate/state-persistence';
import { Client, type Pool } from 'pg';
import { sleep, withTimeout } from './helpers';

export const WRITER_APP = 'agentstate-upgrade-writer';
export const MIGRATION_APP = 'agentstate-upgrade-migration';

/** The same database URL, with an application_name the sampler recognises. */
export function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', name);
  return parsed.toString();
}

export interface HistoryShape {
  users: number;
  threadsPerUser: number;
  snapshotsPerThread: number;
}

export const seedUserId = (u: number): string => `dev-temp-seed-${u}`;
export const seedThreadId = (t: number): string => `thread-${t}`;
export const historySize = (shape: HistoryShape): number => shape.users * shape.threadsPerUser * shape.snapshotsPerThread;

export async function tableExists(client: Client, table: string): Promise<boolean> {
  const rows = await client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [`public.${table}`]);
  return rows.rows[0]!.found;
}

/**
 * A history in the shape of whatever schema the database has now: users
 * (dev-temp-seed-1…), their threads (agent_threads rows only if that table
 * exists), and snapshots spread over 30 days, each thread a parent chain,
 * written step by step across all threads (so seq order interleaves threads,
 * as in real traffic), a few hundred bytes of agent-like JSON each. Then
 * ANALYZE, as autovacuum would.
 *
 * Bulk-load shortcuts, none of which changes what ends up in the table: the
 * states are 1 per step (shared by the threads), ids are derived from
 * (user, thread, step) so a parent's id is known without a window function,
 * and as a superuser the foreign-key triggers are skipped while seeding
 * (session_replication_role = replica): the rows are consistent by
 * construction, and every migration that adds a key validates them anyway.
 */
export async function seedHistory(client: Client, shape: HistoryShape): Promise<{ snapshots: number; hasThreads: boolean; ms: number }> {
  const started = performance.now();
  const hasThreads = await tableExists(client, 'agent_threads');
  const { users, threadsPerUser, snapshotsPerThread } = shape;
  for (const n of [users, threadsPerUser, snapshotsPerThread]) if (!Number.isInteger(n) || n < 1 || n > 4095) throw new Error(`seedHistory: ${n} is out of range`);
  const superuser = (await client.query<{ yes: boolean }>('SELECT rolsuper AS yes FROM pg_roles WHERE rolname = current_user')).rows[0]?.yes === true;
  await client.query('BEGIN');
  try {
    if (superuser) await client.query('SET LOCAL session_replication_role = replica');
    await client.query(
      `INSERT INTO "userbase" ("id", "email", "role", "created_at", "updated_at")
       SELECT 'dev-temp-seed-' || u, 'dev-temp-seed-' || u || '@auto-provisioned.invalid', 'developer', now() - interval '31 days', now() - interval '31 days'
       FROM generate_series(1, $1::int) AS u`,
      [users],
    );
    if (hasThreads) {
      await client.query(
        `INSERT INTO "agent_threads" ("user_id", "id", "auto_provisioned", "created_at")
         SELECT 'dev-temp-seed-' || u, 'thread-' || t, true, now() - interval '30 days'
         FROM generate_series(1, $1::int) AS u, generate_series(1, $2::int) AS t`,
        [users, threadsPerUser],
      );
    }
    await client.query(
      `CREATE TEMP TABLE seed_states ON COMMIT DROP AS
       SELECT n, jsonb_build_object(
                'step', n,
                'messages', jsonb_build_array(
                  jsonb_build_object('role', 'user', 'content', 'question ' || n || ' about ' || md5(n || '/q')),
                  jsonb_build_object('role', 'assistant', 'content', 'answer ' || n || ': ' || md5(n::text) || md5((n + 1)::text) || md5((n + 2)::text))),
                'tools', jsonb_build_object('search', jsonb_build_object('calls', n % 7, 'lastQuery', md5((n * 7)::text))),
                'tokens', 120 + n * 3) AS state
       FROM generate_series(1, $1::int) AS n`,
      [snapshotsPerThread],
    );
    await client.query(
      `CREATE TEMP TABLE seed_pairs ON COMMIT DROP AS
       SELECT u, t, 'dev-temp-seed-' || u AS user_id, 'thread-' || t AS thread_id, md5('seed/' || u) AS h
       FROM generate_series(1, $1::int) AS u, generate_series(1, $2::int) AS t`,
      [users, threadsPerUser],
    );
    // id of (user, thread, step): a v4-shaped uuid from the user's hash, the thread and the step
    const id = (step: string) => `(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || lpad(to_hex(t), 3, '0') || '-8' || substr(h, 17, 3) || '-' || lpad(to_hex(${step}), 12, '0'))::uuid`;
    await client.query(
      `DO $seed$ BEGIN FOR i IN 1..${snapshotsPerThread} LOOP
         INSERT INTO "agent_state_snapshots" ("id", "user_id", "thread_id", "run_id", "parent_id", "state", "metadata", "created_at")
         SELECT ${id('i')}, user_id, thread_id, 'run-' || t || '-' || (i / 10), CASE WHEN i > 1 THEN ${id('i - 1')} END,
                s.state, '{"source": "seed", "model": "gpt-like"}',
                now() - interval '30 days' + i * (interval '30 days' / ${snapshotsPerThread}) + u * interval '7 milliseconds' + t * interval '1 millisecond'
         FROM seed_pairs, seed_states AS s WHERE s.n = i;
       END LOOP; END $seed$`,
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  await client.query('ANALYZE');
  return { snapshots: historySize(shape), hasThreads, ms: performance.now() - started };
}

/** A few hundred bytes of agent-like state, like the seeded rows. */
export function liveState(writer: number, n: number): Record<string, unknown> {
  return {
    step: n,
    messages: [
      { role: 'user', content: `live question ${n} from writer ${writer}` },
      { role: 'assistant', content: `live answer ${n}: ${'lorem ipsum dolor sit amet '.repeat(4)}` },
    ],
    tools: { search: { calls: n % 7, lastQuery: `query ${writer}/${n}` } },
    tokens: 120 + n * 3,
  };
}

export type TargetKind = 'existing-thread' | 'new-thread' | 'new-user';

export interface SaveAttempt {
  writer: number;
  n: number;
  target: TargetKind;
  /** performance.now() at the call and at its outcome */
  start: number;
  end: number;
  /** the acknowledged snapshot id */
  id?: string;
  /** SQLSTATE for raw SQL, the service's error code (with the driver's SQLSTATE) for the service */
  code?: string;
  message?: string;
}

/** One save of writer `writer`, attempt `n`: what it targets, and how to run it (resolves to the new snapshot's id). */
export type SaveFn = (writer: number, n: number) => { target: TargetKind; run: () => Promise<string> };

/** SQLSTATE of a pg error, or "<service code>/<SQLSTATE of its cause>" for the service's errors. */
export function errorCode(error: unknown): string {
  const e = error as { code?: unknown; cause?: unknown } | null;
  const own = typeof e?.code === 'string' ? e.code : 'UNKNOWN';
  let cause = e?.cause as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; cause && depth < 4; depth++) {
    if (typeof cause.code === 'string' && /^[0-9A-Z]{5}$/.test(cause.code)) return `${own}/${cause.code}`;
    cause = cause.cause as typeof cause;
  }
  return own;
}

const SAVE_TIMEOUT_MS = 30_000;

/** `writers` concurrent writers, each saving in a loop (pausing `pauseMs` between saves) until stop(). */
export class SaveStream {
  readonly attempts: SaveAttempt[] = [];
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(writers: number, save: SaveFn, pauseMs = 5) {
    this.done = Promise.all(Array.from({ length: writers }, (_, w) => this.writer(w, save, pauseMs))).then(() => undefined);
  }

  private async writer(w: number, save: SaveFn, pauseMs: number): Promise<void> {
    for (let n = 0; !this.stopped; n++) {
      const { target, run } = save(w, n);
      const attempt: SaveAttempt = { writer: w, n, target, start: performance.now(), end: 0 };
      try {
        attempt.id = await withTimeout(run(), SAVE_TIMEOUT_MS, `save ${w}/${n}`);
      } catch (error) {
        attempt.code = errorCode(error);
        attempt.message = error instanceof Error ? error.message.slice(0, 300) : String(error);
      }
      attempt.end = performance.now();
      this.attempts.push(attempt);
      await sleep(pauseMs);
    }
  }

  async stop(): Promise<SaveAttempt[]> {
    this.stopped = true;
    await this.done;
    return this.attempts;
  }
}

/**
 * Writers of the schema before agent_threads existed: a plain INSERT of the
 * old shape (user_id, thread_id, run_id, state, metadata) for existing users.
 * With `newThreadShare` > 0, that share of saves starts a new thread of an
 * existing user (what such an application does whenever an agent starts a
 * conversation); otherwise every save goes to an existing (user, thread) pair.
 */
export function oldShapeInserts(pool: Pool, shape: HistoryShape, newThreadShare: number, seed = 0x0ad5_2026, threadPrefix = 'live'): SaveFn {
  const randoms = new Map<number, () => number>();
  return (w, n) => {
    const random = randoms.get(w) ?? seededRandom(seed + w);
    randoms.set(w, random);
    const userId = seedUserId(randomInt(random, 1, shape.users));
    const fresh = random() < newThreadShare;
    const threadId = fresh ? `${threadPrefix}-${w}-${n}` : seedThreadId(randomInt(random, 1, shape.threadsPerUser));
    return {
      target: fresh ? 'new-thread' : 'existing-thread',
      run: async () => {
        const result = await pool.query<{ id: string }>(
          'INSERT INTO "agent_state_snapshots" ("user_id", "thread_id", "run_id", "state", "metadata") VALUES ($1, $2, $3, $4, $5) RETURNING "id"',
          [userId, threadId, `live-run-${w}`, JSON.stringify(liveState(w, n)), JSON.stringify({ source: 'old-writer' })],
        );
        return result.rows[0]!.id;
      },
    };
  };
}

/**
 * Writers of a schema with agent_threads: the current service, in
 * development, saving to existing threads of seeded dev users, to new threads
 * of them (created on first use) and, now and then, for a new dev user
 * (created on first use too).
 */
export function serviceSaves(service: StatePersistence, shape: HistoryShape, share = { newThread: 0.2, newUser: 0.05 }, seed = 0x5e7c_2026): SaveFn {
  const randoms = new Map<number, () => number>();
  return (w, n) => {
    const random = randoms.get(w) ?? seededRandom(seed + w);
    randoms.set(w, random);
    const roll = random();
    const target: TargetKind = roll < share.newUser ? 'new-user' : roll < share.newUser + share.newThread ? 'new-thread' : 'existing-thread';
    const userId = target === 'new-user' ? `dev-temp-live-${w}-${n}-${seed.toString(36)}` : seedUserId(randomInt(random, 1, shape.users));
    const threadId = target === 'existing-thread' ? seedThreadId(randomInt(random, 1, shape.threadsPerUser)) : `live-${w}-${n}`;
    return {
      target,
      run: async () => {
        const result = await service.saveSnapshot({ userId, threadId, runId: `live-run-${w}`, state: liveState(w, n), metadata: { source: 'service' } });
        if (result.status !== 'saved') throw Object.assign(new Error(`save was ${result.status}: ${result.reason}`), { code: `SKIPPED_${result.code}` });
        return result.snapshot.id;
      },
    };
  };
}

export interface LockWaits {
  samples: number;
  /** most writer sessions seen waiting on a relation lock at once */
  maxWritersWaiting: number;
  /** the longest wait of a writer on a relation lock seen by the sampler */
  longestWriterWaitMs: number;
  /** what writers waited for, e.g. "RowExclusiveLock on agent_state_snapshots" */
  writerWaits: string[];
  /** the longest the migration itself was seen waiting on any lock (e.g. CREATE INDEX CONCURRENTLY for writers' transactions) */
  longestMigrationWaitMs: number;
  migrationWaits: string[];
}

interface LockRow {
  app: string;
  locktype: string;
  mode: string;
  rel: string | null;
  wait_ms: number | null;
}

/** Samples pg_locks every `intervalMs` on its own connection: who in this database waits on what, and since when (pg_locks.waitstart). */
export class LockSampler {
  private stopped = false;
  private readonly result: LockWaits = { samples: 0, maxWritersWaiting: 0, longestWriterWaitMs: 0, writerWaits: [], longestMigrationWaitMs: 0, migrationWaits: [] };
  private done: Promise<void> = Promise.resolve();
  private client: Client | undefined;

  constructor(
    private readonly url: string,
    private readonly intervalMs = 5,
  ) {}

  async start(): Promise<void> {
    this.client = new Client({ connectionString: withApplicationName(this.url, 'agentstate-upgrade-sampler') });
    await this.client.connect();
    this.done = this.loop(this.client);
  }

  private async loop(client: Client): Promise<void> {
    const writerWaits = new Set<string>();
    const migrationWaits = new Set<string>();
    while (!this.stopped) {
      const { rows } = await client.query<LockRow>(
        `SELECT a.application_name AS app, l.locktype, l.mode,
                CASE WHEN l.relation IS NULL THEN NULL ELSE coalesce((SELECT c.relname FROM pg_class c WHERE c.oid = l.relation), l.relation::text) END AS rel,
                (extract(epoch FROM clock_timestamp() - l.waitstart) * 1000)::float8 AS wait_ms
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE NOT l.granted AND a.datname = current_database()`,
      );
      this.result.samples++;
      const writers = rows.filter((r) => r.app === WRITER_APP && r.locktype === 'relation');
      this.result.maxWritersWaiting = Math.max(this.result.maxWritersWaiting, writers.length);
      for (const r of writers) {
        this.result.longestWriterWaitMs = Math.max(this.result.longestWriterWaitMs, r.wait_ms ?? 0);
        writerWaits.add(`${r.mode} on ${r.rel ?? '?'}`);
      }
      for (const r of rows.filter((row) => row.app === MIGRATION_APP)) {
        this.result.longestMigrationWaitMs = Math.max(this.result.longestMigrationWaitMs, r.wait_ms ?? 0);
        migrationWaits.add(`${r.mode} on ${r.rel ?? r.locktype}`);
      }
      await sleep(this.intervalMs);
    }
    this.result.writerWaits = [...writerWaits].sort();
    this.result.migrationWaits = [...migrationWaits].sort();
  }

  async stop(): Promise<LockWaits> {
    this.stopped = true;
    await this.done;
    await this.client?.end();
    return {
      ...this.result,
      longestWriterWaitMs: Math.round(this.result.longestWriterWaitMs),
      longestMigrationWaitMs: Math.round(this.result.longestMigrationWaitMs),
    };
  }
}

export interface Window {
  start: number;
  end: number;
}

export interface StreamSummary {
  saves: number;
  acknowledged: number;
  failed: number;
  failedByCode: Record<string, number>;
  /** failures by when they started relative to the migration and what they targeted, e.g. "after/new-thread 23503" */
  failedBy: Record<string, number>;
  /** saves that overlapped the migration window */
  duringMigration: number;
  /** the longest latency of a save that overlapped the migration (how long it was blocked, at most) */
  longestBlockedMs: number;
  /** latency of saves that did not overlap the migration: median and max (the noise floor) */
  baselineMedianMs: number;
  baselineMaxMs: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function summarise(attempts: SaveAttempt[], window: Window): StreamSummary {
  const overlaps = (a: SaveAttempt) => a.start < window.end && a.end > window.start;
  const when = (a: SaveAttempt) => (overlaps(a) ? 'during' : a.end <= window.start ? 'before' : 'after');
  const failedByCode: Record<string, number> = {};
  const failedBy: Record<string, number> = {};
  for (const a of attempts) {
    if (a.code === undefined) continue;
    failedByCode[a.code] = (failedByCode[a.code] ?? 0) + 1;
    const key = `${when(a)}/${a.target} ${a.code}`;
    failedBy[key] = (failedBy[key] ?? 0) + 1;
  }
  const during = attempts.filter(overlaps);
  const baseline = attempts
    .filter((a) => !overlaps(a))
    .map((a) => a.end - a.start)
    .sort((x, y) => x - y);
  return {
    saves: attempts.length,
    acknowledged: attempts.filter((a) => a.id !== undefined).length,
    failed: attempts.filter((a) => a.code !== undefined).length,
    failedByCode,
    failedBy,
    duringMigration: during.length,
    longestBlockedMs: Math.round(Math.max(0, ...during.map((a) => a.end - a.start))),
    baselineMedianMs: round1(baseline[Math.floor(baseline.length / 2)] ?? 0),
    baselineMaxMs: Math.round(baseline[baseline.length - 1] ?? 0),
  };
}

/** Acknowledged snapshot ids that a fresh connection cannot find. */
export async function lostAcknowledged(url: string, attempts: SaveAttempt[]): Promise<{ acknowledged: number; lost: string[] }> {
  const ids = attempts.flatMap((a) => (a.id ? [a.id] : []));
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('SELECT "id"::text AS id FROM "agent_state_snapshots" WHERE "id" = ANY($1::uuid[])', [ids]);
    const found = new Set(rows.map((r) => r.id));
    return { acknowledged: ids.length, lost: ids.filter((id) => !found.has(id)) };
  } finally {
    await client.end();
  }
}

export interface UnderLoad<T> {
  attempts: SaveAttempt[];
  window: Window;
  migrationMs: number;
  outcome: { ok: true; value: T } | { ok: false; error: unknown };
  locks: LockWaits;
}

/**
 * Starts `writers` writers, lets them run `beforeMs`, runs `migrate` while
 * they keep going (pg_locks sampled meanwhile), lets them run `afterMs` more,
 * then stops them.
 */
export async function migrateUnderLoad<T>(options: { url: string; writers: number; save: SaveFn; migrate: () => Promise<T>; beforeMs: number; afterMs: number }): Promise<UnderLoad<T>> {
  const stream = new SaveStream(options.writers, options.save);
  const sampler = new LockSampler(options.url);
  let outcome: UnderLoad<T>['outcome'] = { ok: false, error: new Error('the migration did not run') };
  let window: Window = { start: 0, end: 0 };
  let locks: LockWaits | undefined;
  let attempts: SaveAttempt[] = [];
  try {
    await sleep(options.beforeMs);
    await sampler.start();
    const start = performance.now();
    try {
      outcome = { ok: true, value: await options.migrate() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    window = { start, end: performance.now() };
    await sleep(options.afterMs);
  } finally {
    locks = await sampler.stop();
    attempts = await stream.stop();
  }
  return { attempts, window, migrationMs: Math.round(window.end - window.start), outcome, locks };
}

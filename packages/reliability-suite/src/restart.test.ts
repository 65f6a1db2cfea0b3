/**
 * Database restarts. A PostgreSQL server of the test's own (never the shared
 * one) is stopped twice under a steady stream of saves: once with
 * `pg_ctl stop -m fast`, once with `-m immediate` (crash-like, WAL recovery on
 * start). During each outage every save fails with DatabaseUnavailableError
 * (DATABASE_UNAVAILABLE, retryable); after each restart saves succeed again on
 * the same service and client; every acknowledged save is there at the end.
 */
import { createPrismaClient, migratePostgres, type DatabaseClient } from '@agentstate/db';
import { runFkDoctor } from '@agentstate/fk-doctor';
import { DatabaseUnavailableError, type StatePersistence } from '@agentstate/state-persistence';
import { Client } from 'pg';
import { recordFigure } from './figures/figures';
import { describeWithLocalPostgres } from './testing/describeWithLocalPostgres';
import { describeError, serviceWithLog, sleep, unique, waitFor, withTimeout } from './testing/helpers';
import { LocalPostgres } from './testing/localPostgres';

const WRITERS = 4;
/** hard bound on the stream, whatever happens */
const MAX_ATTEMPTS = 4_000;
const ACKS_PER_PHASE = 40;
const FAILURES_PER_OUTAGE = 20;
const SAVE_TIMEOUT_MS = 20_000;
const STEP_TIMEOUT_MS = 45_000;
const MODES = ['fast', 'immediate'] as const;

/** Where the server was when a save started: 'down' = after pg_ctl stop returned and before pg_ctl start began. */
type Phase = 'up' | 'stopping' | 'down' | 'starting' | 'restarted';

interface Attempt {
  writer: number;
  n: number;
  cycle: number;
  phase: Phase;
  /** where the server was when the save returned: a save started just before a stop can be cut off by it */
  endedIn?: Phase;
  done: boolean;
  savedId?: string;
  error?: unknown;
}

describeWithLocalPostgres('database restarts under a stream of saves (own PostgreSQL instance)', (binaries) => {
  let pg: LocalPostgres | undefined;
  let db: DatabaseClient | undefined;

  beforeAll(async () => {
    pg = await LocalPostgres.create(binaries());
    await migratePostgres(pg.url);
    db = await createPrismaClient({ config: { provider: 'postgresql', url: pg.url }, poolSize: WRITERS + 2 });
  }, 120_000);

  afterAll(async () => {
    try {
      if (db) await withTimeout(db.close(), 15_000, 'closing the Prisma client').catch(() => undefined);
    } finally {
      pg?.destroy();
    }
  }, 90_000);

  it('every save during an outage fails with a retryable DatabaseUnavailableError; saves resume after restart; 0 acknowledged saves lost', async () => {
    const server = pg!;
    // As the README recommends on PostgreSQL: saves on the pg pool (db.sql), reads through Prisma.
    const { service } = serviceWithLog(db!.prisma, 'development', db!.sql ? { sql: db!.sql } : {});
    const userIds = Array.from({ length: WRITERS }, (_, w) => unique(`dev-temp-restart${w}-`));
    const attempts: Attempt[] = [];
    let phase: Phase = 'up';
    let cycle = 0;
    let stopStream = false;
    const outageReads: unknown[] = [];

    async function writer(w: number): Promise<void> {
      for (let n = 0; !stopStream && attempts.length < MAX_ATTEMPTS; n++) {
        const attempt: Attempt = { writer: w, n, cycle, phase, done: false };
        attempts.push(attempt);
        try {
          const result = await withTimeout(saveOne(service, userIds[w]!, w, n), SAVE_TIMEOUT_MS, `save ${w}/${n}`);
          if (result.status === 'saved') attempt.savedId = result.snapshot.id;
          else attempt.error = new Error(`unexpected status ${result.status}`);
        } catch (error) {
          attempt.error = error;
        }
        attempt.endedIn = phase;
        attempt.done = true;
        // a steady stream, not a hot loop: failures come back instantly while the server is down
        await sleep(attempt.error ? 10 : 2);
      }
    }

    const count = (predicate: (a: Attempt) => boolean) => attempts.filter((a) => a.done && predicate(a)).length;
    const stream = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    try {
      await waitFor(() => count((a) => a.phase === 'up' && !!a.savedId) >= ACKS_PER_PHASE, STEP_TIMEOUT_MS, 'acknowledged saves before the first outage');
      for (const mode of MODES) {
        phase = 'stopping';
        await server.stop(mode);
        phase = 'down';
        await waitFor(() => count((a) => a.cycle === cycle && a.phase === 'down') >= FAILURES_PER_OUTAGE, STEP_TIMEOUT_MS, `saves attempted during the ${mode} outage`);
        outageReads.push(await service.getLatest({ userId: userIds[0]!, threadId: 'stream' }).then(
          () => new Error('getLatest succeeded while the server was down'),
          (error: unknown) => error,
        ));
        phase = 'starting';
        await server.start();
        cycle++;
        phase = 'restarted';
        await waitFor(() => count((a) => a.cycle === cycle && a.phase === 'restarted' && !!a.savedId) >= ACKS_PER_PHASE, STEP_TIMEOUT_MS, `acknowledged saves after the restart following the ${mode} stop`);
      }
    } finally {
      stopStream = true;
      await withTimeout(stream, SAVE_TIMEOUT_MS + 5_000, 'the save stream to finish');
    }

    // Classify what happened.
    const acknowledged = attempts.filter((a) => a.savedId);
    const failed = attempts.filter((a) => a.error !== undefined);
    const untyped = failed.filter((a) => !(a.error instanceof DatabaseUnavailableError));
    const duringOutage = attempts.filter((a) => a.phase === 'down');
    const outageSaved = duringOutage.filter((a) => a.savedId);
    // started and returned while the server was up again (one in flight when the next stop began may be cut off by it)
    const afterRestart = attempts.filter((a) => a.phase === 'restarted' && a.endedIn === 'restarted');
    const afterRestartFailed = afterRestart.filter((a) => a.error !== undefined);
    const badOutageErrors = failed.filter((a) => {
      const e = a.error as DatabaseUnavailableError;
      return !(e instanceof DatabaseUnavailableError) || e.code !== 'DATABASE_UNAVAILABLE' || e.retryable !== true || !/database is unavailable.*retry/i.test(e.message);
    });

    // Every acknowledged save is in the database after both restarts, with its state, read on a
    // fresh connection (not the pool that saved them).
    const fresh = new Client({ connectionString: pg!.url });
    await fresh.connect();
    const rows = await fresh
      // The supported SQL read of a state, stored whole or as a growing-state layout (writer 0).
      .query<{ id: string; state: { w: number; n: number; messages?: Array<{ i: number }> }; layout: boolean }>(
        'SELECT id::text AS id, agent_state_snapshot_state(user_id, thread_id, state, layout) AS state, layout IS NOT NULL AS layout FROM agent_state_snapshots WHERE user_id = ANY($1)',
        [userIds],
      )
      .then((r) => r.rows)
      .finally(() => fresh.end());
    // Elements no layout references, as fk:doctor reports them (this server holds only this test's rows):
    // a save cut off by a stop must leave none (its statement wrote all or nothing).
    const unreferencedElements = (await runFkDoctor(db!.prisma)).growingState.unreferencedElements.rows;
    const layouts = rows.filter((r) => r.layout).length;
    const wrongChats = rows.filter((r) => r.state.w === 0 && r.state.messages?.length !== 10 + r.state.n).length;
    const stored = new Map(rows.map((r) => [r.id, r.state]));
    const lost = acknowledged.filter((a) => {
      const state = stored.get(a.savedId!);
      return !state || state.w !== a.writer || state.n !== a.n;
    });
    // Failed saves whose row exists anyway (the commit happened, the acknowledgement was lost with the connection).
    const storedKeys = new Set([...stored.values()].map((s) => `${s.w}/${s.n}`));
    const inDoubtAttempts = failed.filter((a) => storedKeys.has(`${a.writer}/${a.n}`));
    const inDoubt = inDoubtAttempts.length;
    // Those must never have claimed "not applied": the error says the write may have been applied.
    const misreported = inDoubtAttempts.filter((a) => !(a.error instanceof DatabaseUnavailableError && a.error.mayHaveBeenApplied));
    const userRows = await db!.prisma.user.count({ where: { id: { in: userIds } } });

    recordFigure(__filename, {
      key: 'restart.postgresql',
      summary:
        `${MODES.length} PostgreSQL restarts (stop -m ${MODES.join(', then -m ')}) under a stream of ${attempts.length} saves: ` +
        `${acknowledged.length} acknowledged, ${lost.length} lost; ${failed.length} failed, ${failed.length - badOutageErrors.length} of them with a retryable DATABASE_UNAVAILABLE ` +
        `(${duringOutage.length} while the server was down, ${outageSaved.length} saved then); ${afterRestartFailed.length} failures after restart on the same client; ` +
        `${inDoubt} failed save(s) found committed anyway (reply lost with the connection), all reported as mayHaveBeenApplied (${misreported.length} misreported); ` +
        `${layouts} growing-state snapshots (one writer's chat) read back whole, ${unreferencedElements} unreferenced element rows`,
      values: {
        restarts: MODES.length,
        attempts: attempts.length,
        acknowledged: acknowledged.length,
        acknowledgedLost: lost.length,
        attemptsDuringOutage: duringOutage.length,
        savedDuringOutage: outageSaved.length,
        failedWithDatabaseUnavailable: failed.length - untyped.length,
        otherErrors: untyped.length,
        failedAfterRestart: afterRestartFailed.length,
        unacknowledgedButCommitted: inDoubt,
        unacknowledgedButCommittedMisreported: misreported.length,
        growingStateLayouts: layouts,
        unreferencedElements,
        unacknowledgedButCommittedSample: inDoubtAttempts.slice(0, 3).map((a) => `[${a.phase}] ${describeError(a.error)}`).join(' || '),
      },
    });

    const show = (list: Attempt[]) => list.slice(0, 5).map((a) => `[${a.phase}#${a.cycle}] ${describeError(a.error)}`);
    expect(show(untyped)).toEqual([]);
    expect(show(badOutageErrors)).toEqual([]);
    expect(show(misreported)).toEqual([]);
    expect(outageReads.map((e) => (e instanceof DatabaseUnavailableError ? 'DATABASE_UNAVAILABLE' : describeError(e)))).toEqual(MODES.map(() => 'DATABASE_UNAVAILABLE'));
    expect(duringOutage.length).toBeGreaterThanOrEqual(FAILURES_PER_OUTAGE * MODES.length);
    expect(outageSaved.map((a) => a.savedId)).toEqual([]);
    expect(show(afterRestartFailed)).toEqual([]);
    expect(afterRestart.length).toBeGreaterThanOrEqual(ACKS_PER_PHASE * MODES.length);
    expect(lost.map((a) => `${a.writer}/${a.n} ${a.savedId}`)).toEqual([]);
    expect(userRows).toBe(WRITERS);
    expect(layouts).toBeGreaterThan(0);
    expect(wrongChats).toBe(0);
    expect(unreferencedElements).toBe(0);
  }, 240_000);
});

/** Writer 0 saves a growing chat (10 + n messages of about 1 KB: stored as a growing-state layout); the others small states. */
function saveOne(service: StatePersistence, userId: string, w: number, n: number) {
  const state = w === 0 ? { w, n, messages: chatMessages(10 + n) } : { w, n };
  return service.saveSnapshot({ userId, threadId: 'stream', runId: 'r', state });
}

function chatMessages(count: number): Array<{ i: number; text: string }> {
  return Array.from({ length: count }, (_, i) => ({ i, text: `message ${i} `.padEnd(1000, 'x') }));
}

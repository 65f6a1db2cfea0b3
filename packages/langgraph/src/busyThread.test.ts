/**
 * A busy thread on a pool of 8 (issue 26, point 3): another process holds the
 * thread's lock (the key every door takes) until the test releases it. The
 * doors that take the lock (this saver's forkPolicy 'reject' puts, the
 * service's expectedParentId saves) must give up within threadLockTimeoutMs
 * with ThreadBusyError, write nothing, hold at most one pool connection for
 * the busy thread, and never hold up writers of other threads. Outcomes,
 * counts and the order of events are asserted, never durations.
 * (Test globals only: runs under vitest and Jest.)
 */
import { createPrismaClient, type DatabaseClient } from '@agentstate/db';
import { describePostgres, holdAdvisoryLock, occupyPool } from '@agentstate/db/testing';
import { silentLogger } from '@agentstate/logger';
import { createStatePersistence, ThreadBusyError, type StatePersistence } from '@agentstate/state-persistence';
import { emptyCheckpoint, uuid6, type CheckpointMetadata } from '@langchain/langgraph-checkpoint';
import type { AgentStateSaver } from './index';
import { configFor, testSaver, unique } from './testing';

const POOL = 8;
const TIMEOUT_MS = 1000;
const BUSY_PUTS = 96;
const BUSY_SAVES = 32;
const OTHER_THREADS = 16;
const META: CheckpointMetadata = { source: 'loop', step: 0, parents: {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A safety net against a wait that never ends (not a measure of speed): resolves after ms unless cancelled. */
function watchdog(ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fired = new Promise<'watchdog'>((resolve) => (timer = setTimeout(() => resolve('watchdog'), ms)));
  return { fired, cancel: () => clearTimeout(timer) };
}

function put(saver: AgentStateSaver, userId: string, threadId: string, parent: string | null, extra: Record<string, unknown> = {}): Promise<string> {
  const checkpoint = { ...emptyCheckpoint(), id: uuid6(-1), channel_values: { v: threadId }, channel_versions: { v: `${Date.now()}.${Math.random()}` } };
  return saver.put(configFor(threadId, userId, { ...(parent ? { checkpoint_id: parent } : {}), ...extra }), checkpoint, META, checkpoint.channel_versions).then(() => checkpoint.id);
}

/** Backends of this database waiting for an advisory lock, sampled until `done` settles; the most seen at once. */
async function mostWaiting(admin: DatabaseClient, done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.finally(() => (finished = true));
  let most = 0;
  while (!finished) {
    const [row] = await admin.prisma.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
      WHERE d.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted`;
    most = Math.max(most, row?.n ?? 0);
    await sleep(5);
  }
  return most;
}

/** Outcomes by kind; an unexpected error by its code and message. */
function codes(results: PromiseSettledResult<unknown>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const reason = r.status === 'rejected' ? (r.reason as { code?: unknown; message?: unknown }) : null;
    const code = !reason ? 'written' : reason instanceof ThreadBusyError ? `ThreadBusyError ${reason.code}` : `${String(reason.code)}: ${String(reason.message).slice(0, 120)}`;
    out[code] = (out[code] ?? 0) + 1;
  }
  return out;
}

describePostgres(
  `a busy thread on a pool of ${POOL}`,
  (db) => {
    let admin: DatabaseClient;
    let saver: AgentStateSaver;
    let service: StatePersistence;
    // Set-up and writers of other threads: the same pool, the default bound (they must not be held up, whatever their bound).
    let otherSaver: AgentStateSaver;
    let otherService: StatePersistence;
    beforeAll(async () => {
      // A second client on the same database: "another process" (the lock holder, the sampler).
      admin = await createPrismaClient({ config: { provider: 'postgresql', url: db().url! }, poolSize: 2 });
      saver = testSaver(db(), { forkPolicy: 'reject', threadLockTimeoutMs: TIMEOUT_MS });
      const { prisma, sql } = db();
      service = createStatePersistence({ prisma, ...(sql ? { sql } : {}), environment: 'test', logger: silentLogger, threadLockTimeoutMs: TIMEOUT_MS });
      otherSaver = testSaver(db(), { forkPolicy: 'reject' });
      otherService = createStatePersistence({ prisma, ...(sql ? { sql } : {}), environment: 'test', logger: silentLogger });
    });
    afterAll(async () => {
      await admin?.close();
    });

    it(`lock held elsewhere: ${BUSY_PUTS} 'reject' puts and ${BUSY_SAVES} expectedParentId saves to it all end in THREAD_BUSY with nothing written, one connection waits at a time, and other threads' writes complete while the lock is still held`, async () => {
      const userId = unique('test-busy-');
      const root = await put(otherSaver, userId, 'busy', null);
      const rootSnapshot = await service.saveSnapshot({ userId, threadId: 'busy', runId: 'r', state: 0 });
      if (rootSnapshot.status !== 'saved') throw new Error('expected saved');
      const lock = await holdAdvisoryLock(admin.prisma, `${userId}/busy`);
      const events: string[] = [];

      const busy = Promise.allSettled([
        ...Array.from({ length: BUSY_PUTS }, () => put(saver, userId, 'busy', root)),
        ...Array.from({ length: BUSY_SAVES }, () => service.saveSnapshot({ userId, threadId: 'busy', runId: 'r', state: 1, expectedParentId: rootSnapshot.snapshot.id })),
      ]).then((results) => {
        events.push('busy writers settled');
        return results;
      });
      const otherThread = async (n: number) => {
        const threadId = `other-${n}`;
        const first = await put(otherSaver, userId, threadId, null);
        await put(otherSaver, userId, threadId, first);
        await put(otherSaver, userId, threadId, first, { fork_policy: 'allow' });
        const saved = await otherService.saveSnapshot({ userId, threadId, runId: 'r', state: n, expectedParentId: null });
        if (saved.status !== 'saved') throw new Error('expected saved');
        await otherService.saveSnapshot({ userId, threadId, runId: 'r', state: n, expectedParentId: saved.snapshot.id });
        await otherService.saveSnapshot({ userId, threadId, runId: 'r', state: n });
      };
      const others = Promise.allSettled(Array.from({ length: OTHER_THREADS }, (_, n) => otherThread(n))).then((results) => {
        events.push('other threads done');
        return results;
      });
      const most = mostWaiting(admin, busy);
      const guard = watchdog(60_000);
      if ((await Promise.race([Promise.all([busy, others, most]), guard.fired])) === 'watchdog') events.push('watchdog');
      guard.cancel();
      events.push('lock released');
      await lock.release();

      const busyResults = await busy;
      const waiting = await most;
      expect({ events: events.slice(-1), watchdog: events.includes('watchdog'), busy: codes(busyResults), waitingForTheLock: waiting <= 1 ? 'at most 1 at a time' : waiting, others: codes(await others) }).toEqual({
        events: ['lock released'],
        watchdog: false,
        busy: { 'ThreadBusyError THREAD_BUSY': BUSY_PUTS + BUSY_SAVES },
        waitingForTheLock: 'at most 1 at a time',
        others: { written: OTHER_THREADS },
      });
      for (const r of busyResults) expect(r).toMatchObject({ status: 'rejected', reason: { retryable: true } });
      const { prisma } = db();
      expect(await prisma.agentCheckpoint.count({ where: { userId, threadId: 'busy' } })).toBe(1);
      expect(await prisma.agentStateSnapshot.count({ where: { userId, threadId: 'busy' } })).toBe(1);
      expect(await prisma.agentCheckpoint.count({ where: { userId, threadId: { startsWith: 'other-' } } })).toBe(3 * OTHER_THREADS);
      expect(await prisma.agentStateSnapshot.count({ where: { userId, threadId: { startsWith: 'other-' } } })).toBe(3 * OTHER_THREADS);
      // once the lock is free, the thread takes writes again
      await expect(put(otherSaver, userId, 'busy', root)).resolves.toEqual(expect.any(String));
    }, 120_000);

    it('the pool checkout counts toward the bound: with every connection taken, a locking put or save ends in THREAD_BUSY, not PERSISTENCE_FAILED', async () => {
      const userId = unique('test-pool-');
      const root = await put(otherSaver, userId, 't', null);
      const rootSnapshot = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 0 });
      if (rootSnapshot.status !== 'saved') throw new Error('expected saved');
      // Every connection of the pool under test is taken (by long transactions of other threads) until released.
      const pool = await occupyPool(db().prisma, POOL);
      const events: string[] = [];
      const results = Promise.allSettled([
        put(saver, userId, 't', root),
        service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 1, expectedParentId: rootSnapshot.snapshot.id }),
      ]).then((r) => {
        events.push('writers settled');
        return r;
      });
      const guard = watchdog(60_000);
      if ((await Promise.race([results, guard.fired])) === 'watchdog') events.push('watchdog');
      guard.cancel();
      events.push('pool released');
      await pool.release();

      expect(events).toEqual(['writers settled', 'pool released']);
      expect(codes(await results)).toEqual({ 'ThreadBusyError THREAD_BUSY': 2 });
      expect(await db().prisma.agentCheckpoint.count({ where: { userId, threadId: 't' } })).toBe(1);
      expect(await db().prisma.agentStateSnapshot.count({ where: { userId, threadId: 't' } })).toBe(1);
    }, 120_000);
  },
  { poolSize: POOL },
);

/**
 * Exactly-once under broken connections. A fault proxy (@agentstate/db/testing)
 * sits between the library and PostgreSQL (and, in the last part, in front of
 * a real PgBouncer in transaction mode) and cuts connections at random
 * (seeded): before a request reaches the server, right after it is sent
 * (while it runs), or after its commit but before the reply reaches the
 * client. 16 writers make 2,000 idempotent saves (each with its own id, the
 * library's built-in retry on; a quarter of the writers impatient, 2 attempts
 * only, so some callers give up). Then, from a fresh direct connection:
 *  - every acknowledged save is stored exactly once, with its content;
 *  - every save whose caller gave up is stored at most once, and saving it
 *    again later (no faults) is a replay exactly when it had been stored;
 *  - no row that no caller asked for, one user row and one audit row per user.
 * The same for the LangGraph saver's put and putWrites.
 */
import { randomUUID } from 'node:crypto';
import { createPrismaClient, type DatabaseClient } from '@agentstate/db';
import { createTestPostgres, describeIfAvailable, pgbouncerAvailability, postgresAvailability, seededRandom, startFaultProxyFor, startPgBouncer, type FaultProxy, type RunningPgBouncer, type TestDatabase } from '@agentstate/db/testing';
import { createAgentStateSaver } from '@agentstate/langgraph';
import { silentLogger } from '@agentstate/logger';
import { createStatePersistence, DatabaseUnavailableError, type SaveSnapshotResult } from '@agentstate/state-persistence';
import { emptyCheckpoint, type Checkpoint } from '@langchain/langgraph-checkpoint';
import { recordFigure } from './figures/figures';
import { describeError, unique } from './testing/helpers';

const WRITERS = 16;
const SAVES = 2_000;
const BREAK_RATE = 0.05;
const IMPATIENT_WRITERS = 4;

interface Outcome {
  id: string;
  userId: string;
  threadId: string;
  w: number;
  n: number;
  /** acknowledged: saved (replayed or not); gave up: the error the caller got */
  acknowledged: boolean;
  replayed?: boolean;
  attempts?: number;
  error?: unknown;
}

function bothAvailable() {
  const server = postgresAvailability();
  if (!server.available) return server;
  return pgbouncerAvailability();
}

/** 16 writers, `total` saves in all, through `client`; each writer its own new user, a new thread every 25 saves (the ensure path), the rest grouped. */
async function runWriters(client: DatabaseClient, total: number, prefix: string): Promise<Outcome[]> {
  const patient = createStatePersistence({ prisma: client.prisma, sql: client.sql!, environment: 'development', logger: silentLogger, retry: { maxAttempts: 6, baseDelayMs: 20 } });
  const impatient = createStatePersistence({ prisma: client.prisma, sql: client.sql!, environment: 'development', logger: silentLogger, retry: { maxAttempts: 2, baseDelayMs: 20 } });
  const outcomes: Outcome[] = [];
  const perWriter = Math.ceil(total / WRITERS);
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const service = w < IMPATIENT_WRITERS ? impatient : patient;
      const userId = unique(`dev-temp-${prefix}${w}-`);
      for (let n = 0; n < perWriter && w * perWriter + n < total; n++) {
        const outcome: Outcome = { id: randomUUID(), userId, threadId: `t${Math.floor(n / 25)}`, w, n, acknowledged: false };
        try {
          const result = (await service.saveSnapshot({ id: outcome.id, userId, threadId: outcome.threadId, runId: 'r', state: { w, n } })) as Extract<SaveSnapshotResult, { status: 'saved' }>;
          Object.assign(outcome, { acknowledged: true, replayed: result.replayed, attempts: result.attempts });
        } catch (error) {
          outcome.error = error;
        }
        outcomes.push(outcome);
      }
    }),
  );
  return outcomes;
}

/** The checks, from a fresh direct connection. Returns the figures. */
async function checkOutcomes(direct: TestDatabase, outcomes: Outcome[], retryLater: (o: Outcome) => Promise<boolean>) {
  const users = [...new Set(outcomes.map((o) => o.userId))];
  const rows = await direct.prisma.agentStateSnapshot.findMany({ where: { userId: { in: users } }, select: { id: true, userId: true, threadId: true, state: true } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const asked = new Set(outcomes.map((o) => o.id));
  const acknowledged = outcomes.filter((o) => o.acknowledged);
  const gaveUp = outcomes.filter((o) => !o.acknowledged);
  const problems: string[] = [];
  for (const o of acknowledged) {
    const row = byId.get(o.id);
    if (!row) problems.push(`acknowledged save ${o.id} is missing`);
    else if ((row.state as { n?: number }).n !== o.n || (row.state as { w?: number }).w !== o.w || row.threadId !== o.threadId) problems.push(`save ${o.id} stored other content`);
  }
  for (const row of rows) if (!asked.has(row.id)) problems.push(`row ${row.id} was never asked for`);
  // duplicates of content (two rows for one save under different ids) would show here
  const contents = new Set(rows.map((r) => `${r.userId}|${(r.state as { n?: number }).n}`));
  const duplicateRows = rows.length - contents.size;
  let gaveUpStored = 0;
  for (const o of gaveUp) {
    if (!(o.error instanceof DatabaseUnavailableError)) problems.push(`save ${o.id} failed with a non-retryable error: ${describeError(o.error)}`);
    const stored = byId.has(o.id);
    if (stored) gaveUpStored++;
    if (stored && o.error instanceof DatabaseUnavailableError && !o.error.mayHaveBeenApplied) problems.push(`save ${o.id} said "not applied" but is stored`);
    // the caller tries again later (no faults now): a replay exactly when it had been stored
    const replayed = await retryLater(o);
    if (replayed !== stored) problems.push(`save ${o.id}: stored=${stored}, later retry replayed=${replayed}`);
  }
  const userRows = await direct.prisma.user.count({ where: { id: { in: users } } });
  const auditRows = await direct.prisma.userProvisioningAudit.count({ where: { subjectId: { in: users } } });
  const duplicateAudit = auditRows - userRows;
  return {
    problems,
    values: {
      saves: outcomes.length,
      acknowledged: acknowledged.length,
      acknowledgedMissing: acknowledged.filter((o) => !byId.has(o.id)).length,
      replayedAcks: acknowledged.filter((o) => o.replayed).length,
      retriedSaves: acknowledged.filter((o) => (o.attempts ?? 1) > 1).length,
      gaveUp: gaveUp.length,
      gaveUpStored,
      rows: rows.length,
      duplicateRows,
      users: userRows,
      auditRows,
      duplicateAudit,
    },
  };
}

describeIfAvailable('fault injection: idempotent saves through connections cut at random', bothAvailable(), () => {
  let direct: TestDatabase;
  let proxy: FaultProxy;
  let cut: DatabaseClient;
  beforeAll(async () => {
    direct = await createTestPostgres();
    proxy = await startFaultProxyFor(direct.url!);
    cut = await createPrismaClient({ config: { provider: 'postgresql', url: proxy.urlFor(direct.url!) }, poolSize: 8 });
  }, 120_000);
  afterAll(async () => {
    proxy?.cutRandomly(null);
    try {
      await cut?.close();
      await proxy?.close();
    } finally {
      await direct?.close();
    }
  });

  it(`${WRITERS} writers, ${SAVES} saves, ${BREAK_RATE * 100}% of requests cut: every acknowledged save once, no duplicates, give-ups told`, async () => {
    const cutsBefore = { ...proxy.cuts };
    const requestsBefore = proxy.requests;
    proxy.cutRandomly({ rate: BREAK_RATE, random: seededRandom(2025) });
    let outcomes: Outcome[];
    try {
      outcomes = await runWriters(cut, SAVES, 'fi');
    } finally {
      proxy.cutRandomly(null);
    }
    const calm = createStatePersistence({ prisma: direct.prisma, sql: direct.sql!, environment: 'development', logger: silentLogger });
    const { problems, values } = await checkOutcomes(direct, outcomes, async (o) => {
      const again = (await calm.saveSnapshot({ id: o.id, userId: o.userId, threadId: o.threadId, runId: 'r', state: { w: o.w, n: o.n } })) as Extract<SaveSnapshotResult, { status: 'saved' }>;
      return again.replayed;
    });
    const cuts = Object.fromEntries(Object.entries(proxy.cuts).map(([k, v]) => [k, v - cutsBefore[k as keyof typeof cutsBefore]]));
    const requests = proxy.requests - requestsBefore;
    recordFigure(__filename, {
      key: 'faultInjection.postgresql.saves',
      summary:
        `${values.saves} idempotent saves by ${WRITERS} writers, ${requests} requests of which ${Object.values(cuts).reduce((a, b) => a + b, 0)} cut ` +
        `(${cuts['before-request']} before the request, ${cuts['after-request']} while it ran, ${cuts['after-commit']} after the commit) [postgresql]: ` +
        `${values.acknowledged} acknowledged, ${values.acknowledgedMissing} missing, ${values.replayedAcks} answered as replays; ${values.gaveUp} given up (${values.gaveUpStored} of them stored, each told); ` +
        `${values.duplicateRows} duplicate rows, ${values.duplicateAudit} duplicate audit rows`,
      values: { ...values, requests, ...Object.fromEntries(Object.entries(cuts).map(([k, v]) => [`cuts.${k}`, v])) },
    });
    expect(problems).toEqual([]);
    expect(values.acknowledgedMissing).toBe(0);
    expect(values.duplicateRows).toBe(0);
    expect(values.duplicateAudit).toBe(0);
    expect(values.users).toBe(WRITERS);
    expect(values.rows).toBe(values.acknowledged + values.gaveUpStored);
    // the faults did happen, at every moment
    for (const moment of Object.keys(cuts)) expect(cuts[moment]).toBeGreaterThan(0);
    expect(values.retriedSaves).toBeGreaterThan(0);
  }, 300_000);

  it(`the LangGraph saver: ${WRITERS} writers, puts and putWrites (${SAVES} calls) under the same cuts, read back through a fresh connection`, async () => {
    const saver = createAgentStateSaver({ prisma: cut.prisma, sql: cut.sql!, environment: 'development', logger: silentLogger, retry: { maxAttempts: 6, baseDelayMs: 20 } });
    const perWriter = Math.floor(SAVES / WRITERS / 2);
    const acknowledged: Array<{ userId: string; id: string; n: number; writes: boolean }> = [];
    const gaveUp: Array<{ userId: string; id: string; error: unknown }> = [];
    const cutsBefore = Object.values(proxy.cuts).reduce((a, b) => a + b, 0);
    proxy.cutRandomly({ rate: BREAK_RATE, random: seededRandom(2026) });
    try {
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          const userId = unique(`dev-temp-lg${w}-`);
          let parent: string | undefined;
          for (let n = 0; n < perWriter; n++) {
            const id = `1ef${String(w).padStart(3, '0')}${String(n).padStart(10, '0')}`;
            const checkpoint: Checkpoint = { ...emptyCheckpoint(), id, channel_values: { n, w }, channel_versions: { n: n + 1, w: n + 1 } };
            const config = { configurable: { thread_id: 't', checkpoint_ns: '', user_id: userId, ...(parent ? { checkpoint_id: parent } : {}) } };
            try {
              const next = await saver.put(config, checkpoint, { source: 'loop', step: n, parents: {} }, { n: n + 1, w: n + 1 });
              let writes = false;
              try {
                await saver.putWrites(next, [['n', n], ['w', w]], `task-${n}`);
                writes = true;
              } catch (error) {
                gaveUp.push({ userId, id, error });
              }
              acknowledged.push({ userId, id, n, writes });
              parent = id;
            } catch (error) {
              gaveUp.push({ userId, id, error });
            }
          }
        }),
      );
    } finally {
      proxy.cutRandomly(null);
    }
    const cuts = Object.values(proxy.cuts).reduce((a, b) => a + b, 0) - cutsBefore;
    // Read back through a fresh connection, with a fresh saver.
    const fresh = await createPrismaClient({ config: { provider: 'postgresql', url: direct.url! } });
    try {
      const reader = createAgentStateSaver({ prisma: fresh.prisma, sql: fresh.sql!, environment: 'development', logger: silentLogger });
      const problems: string[] = [];
      for (const a of acknowledged) {
        const tuple = await reader.getTuple({ configurable: { thread_id: 't', checkpoint_ns: '', user_id: a.userId, checkpoint_id: a.id } });
        if (!tuple) problems.push(`acknowledged checkpoint ${a.id} is missing`);
        else if ((tuple.checkpoint.channel_values as { n?: number }).n !== a.n) problems.push(`checkpoint ${a.id} holds other values`);
        else if (a.writes && tuple.pendingWrites?.length !== 2) problems.push(`checkpoint ${a.id} has ${tuple.pendingWrites?.length} pending writes, expected 2`);
      }
      const users = [...new Set(acknowledged.map((a) => a.userId))];
      const checkpointRows = await fresh.prisma.agentCheckpoint.count({ where: { userId: { in: users } } });
      const writeRows = await fresh.prisma.agentCheckpointWrite.count({ where: { userId: { in: users } } });
      const userRows = await fresh.prisma.user.count({ where: { id: { in: users } } });
      const auditRows = await fresh.prisma.userProvisioningAudit.count({ where: { subjectId: { in: users } } });
      const gaveUpPuts = gaveUp.filter((g) => !acknowledged.some((a) => a.id === g.id && a.userId === g.userId)).length;
      const ackWrites = acknowledged.filter((a) => a.writes).length;
      recordFigure(__filename, {
        key: 'faultInjection.postgresql.langgraph',
        summary:
          `LangGraph saver, ${WRITERS} writers, ${acknowledged.length + gaveUpPuts} puts + ${acknowledged.length} putWrites, ${cuts} requests cut [postgresql]: ` +
          `${acknowledged.length} puts and ${ackWrites} putWrites acknowledged, ${problems.length} missing or wrong; ${checkpointRows - acknowledged.length} extra checkpoint rows ` +
          `(${gaveUpPuts} puts given up), ${userRows} users, ${auditRows - userRows} duplicate audit rows`,
        values: { puts: acknowledged.length + gaveUpPuts, acknowledgedPuts: acknowledged.length, acknowledgedWrites: ackWrites, gaveUp: gaveUp.length, cuts, checkpointRows, writeRows, users: userRows, auditRows },
      });
      expect(problems).toEqual([]);
      expect(gaveUp.map((g) => describeError(g.error)).filter((e) => !e.includes('DATABASE_UNAVAILABLE'))).toEqual([]);
      expect(checkpointRows).toBeGreaterThanOrEqual(acknowledged.length);
      expect(checkpointRows).toBeLessThanOrEqual(acknowledged.length + gaveUpPuts);
      expect(writeRows).toBeGreaterThanOrEqual(ackWrites * 2);
      expect(userRows).toBe(WRITERS);
      expect(auditRows).toBe(userRows);
      expect(cuts).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  }, 300_000);
});

describeIfAvailable('fault injection behind PgBouncer in transaction mode', bothAvailable(), () => {
  let direct: TestDatabase;
  let bouncer: RunningPgBouncer;
  let proxy: FaultProxy;
  let cut: DatabaseClient;
  beforeAll(async () => {
    direct = await createTestPostgres();
    bouncer = await startPgBouncer({ mode: 'transaction', poolSize: 8 });
    const pooledUrl = bouncer.urlFor(new URL(direct.url!).pathname.slice(1));
    proxy = await startFaultProxyFor(pooledUrl);
    cut = await createPrismaClient({ config: { provider: 'postgresql', url: proxy.urlFor(pooledUrl) }, poolSize: 8 });
  }, 120_000);
  afterAll(async () => {
    proxy?.cutRandomly(null);
    try {
      await cut?.close();
      await proxy?.close();
    } finally {
      try {
        await bouncer?.stop();
      } finally {
        await direct?.close();
      }
    }
  });

  it(`${WRITERS} writers, 400 saves through the proxy and PgBouncer, ${BREAK_RATE * 100}% cut: every acknowledged save once, no duplicates`, async () => {
    proxy.cutRandomly({ rate: BREAK_RATE, random: seededRandom(2027) });
    let outcomes: Outcome[];
    try {
      outcomes = await runWriters(cut, 400, 'fi');
    } finally {
      proxy.cutRandomly(null);
    }
    const calm = createStatePersistence({ prisma: direct.prisma, sql: direct.sql!, environment: 'development', logger: silentLogger });
    const { problems, values } = await checkOutcomes(direct, outcomes, async (o) => {
      const again = (await calm.saveSnapshot({ id: o.id, userId: o.userId, threadId: o.threadId, runId: 'r', state: { w: o.w, n: o.n } })) as Extract<SaveSnapshotResult, { status: 'saved' }>;
      return again.replayed;
    });
    const cuts = Object.values(proxy.cuts).reduce((a, b) => a + b, 0);
    recordFigure(__filename, {
      key: 'faultInjection.pgbouncer.saves',
      summary: `${values.saves} idempotent saves behind PgBouncer (transaction mode), ${cuts} requests cut: ${values.acknowledged} acknowledged, ${values.acknowledgedMissing} missing, ${values.gaveUp} given up (${values.gaveUpStored} stored, each told), ${values.duplicateRows} duplicate rows, ${values.duplicateAudit} duplicate audit rows`,
      values: { ...values, cuts },
    });
    expect(problems).toEqual([]);
    expect(values.duplicateRows).toBe(0);
    expect(values.duplicateAudit).toBe(0);
    expect(values.rows).toBe(values.acknowledged + values.gaveUpStored);
    expect(cuts).toBeGreaterThan(0);
  }, 300_000);
});

/**
 * Saves through a real TCP proxy that breaks the connection at the moments
 * that matter (@agentstate/db/testing's fault proxy), on the PostgreSQL
 * server: before the request reaches it, and after it committed but before
 * the reply reaches the client. Counted from a direct connection.
 */
import { randomUUID } from 'node:crypto';
import { createPrismaClient, type DatabaseClient } from '@agentstate/db';
import { describePostgres, startFaultProxyFor, type FaultProxy } from '@agentstate/db/testing';
import { ConcurrentWriteError, DatabaseUnavailableError } from './errors';
import { createStatePersistence, type StatePersistence } from './service';
import { unique } from './testing/fixtures';
import { createMemoryLogger } from '@agentstate/logger';
import type { SaveSnapshotInput, SaveSnapshotResult } from './types';
import { createTelemetry } from '@agentstate/write-path';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

describePostgres('saves when the connection breaks', (db) => {
  let proxy: FaultProxy;
  let cut: DatabaseClient;
  beforeAll(async () => {
    proxy = await startFaultProxyFor(db().url!);
    cut = await createPrismaClient({ config: { provider: 'postgresql', url: proxy.urlFor(db().url!) }, poolSize: 4 });
  });
  afterAll(async () => {
    await cut?.close();
    await proxy?.close();
  });

  const service = (retry?: false): StatePersistence =>
    createStatePersistence({ prisma: cut.prisma, sql: cut.sql!, environment: 'development', logger: createMemoryLogger().logger, ...(retry === false ? { retry } : {}) });
  const rows = (userId: string) => db().prisma.agentStateSnapshot.count({ where: { userId } });
  /** a service that already knows the user and thread: its next save is the fast path's one INSERT */
  async function warm(store: StatePersistence, userId: string) {
    await store.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 'warm' });
  }
  const input = (userId: string, extra: Partial<SaveSnapshotInput<unknown>> = {}): SaveSnapshotInput<unknown> => ({ id: randomUUID(), userId, threadId: 't', runId: 'r', state: { step: 1 }, ...extra });

  it('cut after the commit, retry off: mayHaveBeenApplied, stored once; the caller\'s retry is a replay', async () => {
    const store = service(false);
    const userId = unique('dev-temp-');
    await warm(store, userId);
    const save = input(userId);
    proxy.cutNext('after-commit');
    const error = await store.saveSnapshot(save).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error).toMatchObject({ mayHaveBeenApplied: true });
    expect(await rows(userId)).toBe(2);
    expect(await store.saveSnapshot(save)).toMatchObject({ status: 'saved', replayed: true, attempts: 1, snapshot: { id: save.id } });
    expect(await rows(userId)).toBe(2);
    expect(await store.getLatest({ userId, threadId: 't' })).toMatchObject({ id: save.id });
  });

  it('cut after the commit, built-in retry: one row, answered as a replay on the second attempt', async () => {
    const store = service();
    const userId = unique('dev-temp-');
    await warm(store, userId);
    proxy.cutNext('after-commit');
    const cutsBefore = proxy.cuts['after-commit'];
    expect(await store.saveSnapshot(input(userId))).toMatchObject({ status: 'saved', replayed: true, attempts: 2 });
    expect(proxy.cuts['after-commit']).toBe(cutsBefore + 1);
    expect(await rows(userId)).toBe(2);
  });

  it('cut before the request, built-in retry: stored once, by the second attempt (not a replay)', async () => {
    const store = service();
    const userId = unique('dev-temp-');
    await warm(store, userId);
    proxy.cutNext('before-request');
    expect(await store.saveSnapshot(input(userId))).toMatchObject({ status: 'saved', replayed: false, attempts: 2 });
    expect(await rows(userId)).toBe(2);
  });

  it('the ensure path (first save of a new user) cut after its commit: retried as a replay, one user, one audit row', async () => {
    const store = service();
    const userId = unique('dev-temp-');
    proxy.cutNext('after-commit');
    expect(await store.saveSnapshot(input(userId))).toMatchObject({ status: 'saved', replayed: true, attempts: 2, provisioning: null });
    expect(await rows(userId)).toBe(1);
    expect(await db().prisma.user.count({ where: { id: userId } })).toBe(1);
    expect(await db().prisma.userProvisioningAudit.count({ where: { subjectId: userId } })).toBe(1);
  });

  it('a group commit cut after its commit: every save of the batch retried as a replay, each stored once', async () => {
    const store = service();
    const userId = unique('dev-temp-');
    await warm(store, userId);
    const saves = Array.from({ length: 6 }, (_, n) => input(userId, { state: { n } }));
    proxy.cutNext('after-commit');
    const results = await Promise.all(saves.map((save) => store.saveSnapshot(save)));
    expect(results.every((r) => r.status === 'saved')).toBe(true);
    // the cut statement's saves come back as replays on a later attempt
    expect(results.filter((r) => (r as { replayed: boolean }).replayed).length).toBeGreaterThan(0);
    expect(await rows(userId)).toBe(1 + saves.length);
  });

  it('an expectedParentId save cut after its commit: the retry is a replay, not a ConcurrentWriteError', async () => {
    const store = service();
    const userId = unique('dev-temp-');
    const root = (await store.saveSnapshot(input(userId, { expectedParentId: null }))) as Extract<SaveSnapshotResult, { status: 'saved' }>;
    proxy.cutNext('after-commit');
    const next = await store.saveSnapshot(input(userId, { expectedParentId: root.snapshot.id }));
    expect(next).toMatchObject({ status: 'saved', replayed: true, attempts: 2, snapshot: { parentId: root.snapshot.id } });
    expect(await rows(userId)).toBe(2);
    await expect(store.saveSnapshot(input(userId, { expectedParentId: root.snapshot.id }))).rejects.toBeInstanceOf(ConcurrentWriteError);
  });

  it('a save without an id is never retried by the library: the ambiguous failure reaches the caller', async () => {
    const store = service();
    const userId = unique('dev-temp-');
    await warm(store, userId);
    proxy.cutNext('before-request');
    const error = await store.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 'no id' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as { attempts?: number }).attempts).toBeUndefined();
    expect(await rows(userId)).toBe(1);
  });

  it('telemetry counts the retry and the replay, and the span says how many attempts', async () => {
    const reader = new TestReader();
    const spans = new InMemorySpanExporter();
    const telemetry = createTelemetry({ meterProvider: new MeterProvider({ readers: [reader] }), tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }) });
    const store = createStatePersistence({ prisma: cut.prisma, sql: cut.sql!, environment: 'development', logger: createMemoryLogger().logger, telemetry });
    const userId = unique('dev-temp-');
    await warm(store, userId);
    proxy.cutNext('after-commit');
    await store.saveSnapshot(input(userId));
    const { resourceMetrics } = await reader.collect();
    const counted: Record<string, number> = {};
    for (const scope of resourceMetrics.scopeMetrics)
      for (const metric of scope.metrics)
        for (const point of metric.dataPoints) counted[`${metric.descriptor.name} ${JSON.stringify(point.attributes)}`] = point.value as number;
    expect(counted).toMatchObject({
      'agentstate.save.retries {"agentstate.door":"snapshot","error.type":"DATABASE_UNAVAILABLE"}': 1,
      'agentstate.saves {"agentstate.door":"snapshot","agentstate.save.status":"replayed","agentstate.provisioning":"none"}': 1,
    });
    const span = spans.getFinishedSpans().find((s) => s.name === 'agentstate.saveSnapshot' && s.attributes['agentstate.attempts'] === 2);
    expect(span?.attributes).toMatchObject({ 'agentstate.attempts': 2, 'agentstate.replayed': true });
  });
});

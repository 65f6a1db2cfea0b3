/**
 * OpenTelemetry: an in-memory SDK registered the way an application would,
 * then a known sequence of saves, refusals, skips and reads; the exact counts,
 * the duration histogram by write path, and one span per operation with ids
 * (never state) as attributes.
 */
import { runAdminStatement } from '@agentstate/db';
import { describeEachDatabase } from '@agentstate/db/testing';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createMemoryLogger } from '@agentstate/logger';
import { createStatePersistence } from './service';
import { unique } from './testing/fixtures';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const reader = new TestReader();
const spans = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager().enable();

beforeAll(() => {
  context.setGlobalContextManager(contextManager);
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
});
afterAll(() => {
  metrics.disable();
  trace.disable();
  context.disable();
});

/** Every data point of a metric, as "attr=value,…" -> value (counters) or count (histograms). */
async function points(name: string): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const out: Record<string, number> = {};
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints as Array<DataPoint<number | Histogram>>) {
        const key = Object.entries(point.attributes).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${String(v)}`).join(',');
        out[key] = typeof point.value === 'number' ? point.value : point.value.count;
      }
    }
  }
  return out;
}

// One database: the SDK is global to the file, and the counts are exact.
describeEachDatabase('OpenTelemetry metrics and spans', (db) => {
  it('counts saves, refusals, skips, foreign key trouble and errors exactly, times saves by write path, and traces every operation', async () => {
    const { prisma, sql, url } = db();
    const logger = createMemoryLogger({ level: 'error' }).logger;
    const dev = createStatePersistence({ prisma, ...(sql ? { sql } : {}), environment: 'development', logger });
    const prod = createStatePersistence({ prisma, ...(sql ? { sql } : {}), environment: 'production', logger });
    const userId = unique('dev-temp-otel-');
    const marker = 'SECRET-STATE-CONTENT';

    const first = await dev.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { marker } }); // provisioning path, created
    await dev.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { marker } }); // steady
    await dev.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { marker } }); // steady
    const latest = await dev.getLatest({ userId, threadId: 't' });
    await dev.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { marker }, expectedParentId: latest!.id }); // transaction
    await dev.saveSnapshot({ userId, threadId: 't', runId: 'run_ephemeral', state: { marker } }); // skipped
    // another process deletes the user: the remembered fast path hits the foreign key and is retried
    if (url) await runAdminStatement(url, `DELETE FROM userbase WHERE id = '${userId}'`);
    else await prisma.$executeRawUnsafe(`DELETE FROM userbase WHERE id = '${userId}'`);
    await dev.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { marker } }); // retried, created again
    await expect(prod.saveSnapshot({ userId: unique('dev-temp-'), threadId: 't', runId: 'r', state: {} })).rejects.toMatchObject({ code: 'PROVISIONING_REFUSED' });
    await expect(prod.saveSnapshot({ userId: unique('acct_'), threadId: 't', runId: 'r', state: {} })).rejects.toMatchObject({ code: 'UNKNOWN_USER' });
    await expect(dev.saveSnapshot({ userId: 'bad id', threadId: 't', runId: 'r', state: {} })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(first.status).toBe('saved');

    const snapshotDoor = (attrs: string) => `agentstate.door=snapshot,${attrs}`;
    expect(await points('agentstate.saves')).toEqual({
      [snapshotDoor('agentstate.provisioning=created,agentstate.save.status=saved')]: 2,
      [snapshotDoor('agentstate.provisioning=already-existed,agentstate.save.status=saved')]: 3,
      [snapshotDoor('agentstate.provisioning=none,agentstate.save.status=skipped')]: 1,
      [snapshotDoor('agentstate.provisioning=none,agentstate.save.status=refused')]: 2,
      [snapshotDoor('agentstate.provisioning=none,agentstate.save.status=invalid')]: 1,
    });
    expect(await points('agentstate.provisioning.refusals')).toEqual({
      [snapshotDoor('agentstate.refusal.reason_code=DEV_ID_IN_PRODUCTION,deployment.environment.name=production')]: 1,
      [snapshotDoor('agentstate.refusal.reason_code=USER_NOT_FOUND,deployment.environment.name=production')]: 1,
    });
    expect(await points('agentstate.foreign_key.violations')).toEqual({
      [snapshotDoor('agentstate.outcome=retried,agentstate.referenced_model=User')]: 1,
      [snapshotDoor('agentstate.outcome=typed-error,agentstate.referenced_model=User')]: 1,
    });
    expect(await points('agentstate.errors')).toEqual({
      'agentstate.door=snapshot,agentstate.operation=saveSnapshot,error.type=PROVISIONING_REFUSED': 1,
      'agentstate.door=snapshot,agentstate.operation=saveSnapshot,error.type=UNKNOWN_USER': 1,
      'agentstate.door=snapshot,agentstate.operation=saveSnapshot,error.type=INVALID_INPUT': 1,
    });
    // the retried save started on the fast path and ended on the ensure path: counted as provisioning
    expect(await points('agentstate.save.duration')).toEqual({
      [snapshotDoor('agentstate.write_path=provisioning')]: 2,
      [snapshotDoor('agentstate.write_path=steady')]: 2,
      [snapshotDoor('agentstate.write_path=transaction')]: 1,
    });

    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => s.name).sort()).toEqual([...Array(9).fill('agentstate.saveSnapshot'), 'agentstate.getLatest'].sort());
    const firstSpan = finished.find((s) => s.attributes['agentstate.snapshot.id'] === (first.status === 'saved' ? first.snapshot.id : ''));
    expect(firstSpan?.attributes).toMatchObject({ 'user.id': userId, 'agentstate.thread.id': 't', 'agentstate.run.id': 'r', 'agentstate.write_path': 'provisioning', 'agentstate.provisioning': 'created', 'db.system.name': 'postgresql' });
    expect(finished.filter((s) => s.status.code === 2).map((s) => s.attributes['error.type']).sort()).toEqual(['INVALID_INPUT', 'PROVISIONING_REFUSED', 'UNKNOWN_USER']);
    expect(JSON.stringify(finished.map((s) => s.attributes))).not.toContain(marker);
    // One instrumentation scope for every door: the write path that records, not the door that called.
    const { resourceMetrics } = await reader.collect();
    expect([...new Set(resourceMetrics.scopeMetrics.map((s) => s.scope.name))]).toEqual(['@agentstate/write-path']);
    expect([...new Set(finished.map((s) => s.instrumentationScope.name))]).toEqual(['@agentstate/write-path']);
  });
}, { kinds: ['postgresql'] });

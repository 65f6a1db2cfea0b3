/**
 * The extension's writes in OpenTelemetry: metrics under door
 * 'prisma-extension' (saves by status and provisioning, refusals by reason,
 * durations by write path) and one span per guarded write with the owner's
 * id, never the data. Providers of the test's own, passed as `telemetry`.
 */
import { randomBytes } from 'node:crypto';
import { describeEachDatabase } from '@agentstate/db/testing';
import { createMemoryLogger } from '@agentstate/logger';
import { createTelemetry, ProvisioningRefusedError } from '@agentstate/write-path';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { referenceProvisioning } from './index';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const unique = (prefix: string) => `${prefix}${randomBytes(5).toString('hex')}`;

async function points(reader: MetricReader, name: string): Promise<Record<string, number>> {
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

describeEachDatabase('referenceProvisioning in OpenTelemetry', (db) => {
  it('counts its saves and refusals under door prisma-extension and traces each guarded write with the owner id', async () => {
    const base = db().prisma;
    const reader = new TestReader();
    const spans = new InMemorySpanExporter();
    const telemetry = createTelemetry({
      meterProvider: new MeterProvider({ readers: [reader] }),
      tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
    });
    const { logger } = createMemoryLogger({ level: 'error' });
    const dev = base.$extends(referenceProvisioning({ environment: 'development', logger, telemetry }));
    const prod = base.$extends(referenceProvisioning({ environment: 'production', logger, telemetry }));
    const userId = unique('dev-temp-otel-');
    const data = { runId: 'r', state: { marker: 'SECRET-STATE-CONTENT' }, user: { connect: { id: userId } }, thread: { connect: { userId_id: { userId, id: 't' } } } };

    await dev.agentStateSnapshot.create({ data }); // provisioning: user and thread created
    await dev.agentStateSnapshot.create({ data }); // steady
    const refused = unique('dev-temp-otel-');
    await expect(prod.agentThread.create({ data: { id: 't', user: { connect: { id: refused } } } })).rejects.toBeInstanceOf(ProvisioningRefusedError);

    expect(await points(reader, 'agentstate.saves')).toEqual({
      'agentstate.door=prisma-extension,agentstate.provisioning=created,agentstate.save.status=saved': 1,
      'agentstate.door=prisma-extension,agentstate.provisioning=already-existed,agentstate.save.status=saved': 1,
      'agentstate.door=prisma-extension,agentstate.provisioning=none,agentstate.save.status=refused': 1,
    });
    expect(await points(reader, 'agentstate.provisioning.refusals')).toEqual({
      'agentstate.door=prisma-extension,agentstate.refusal.reason_code=DEV_ID_IN_PRODUCTION,deployment.environment.name=production': 1,
    });
    expect(await points(reader, 'agentstate.save.duration')).toEqual({
      'agentstate.door=prisma-extension,agentstate.write_path=provisioning': 1,
      'agentstate.door=prisma-extension,agentstate.write_path=steady': 1,
    });
    const finished = spans.getFinishedSpans().map((s) => ({ name: s.name, door: s.attributes['agentstate.door'], user: s.attributes['user.id'], error: s.attributes['error.type'] ?? null }));
    expect(finished).toEqual([
      { name: 'agentstate.AgentStateSnapshot.create', door: 'prisma-extension', user: userId, error: null },
      { name: 'agentstate.AgentStateSnapshot.create', door: 'prisma-extension', user: userId, error: null },
      { name: 'agentstate.AgentThread.create', door: 'prisma-extension', user: refused, error: expect.anything() },
    ]);
    expect(JSON.stringify(spans.getFinishedSpans().map((s) => s.attributes))).not.toContain('SECRET-STATE-CONTENT');
  });
});

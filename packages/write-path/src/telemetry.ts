/**
 * Metrics and traces through @opentelemetry/api, an optional peer
 * dependency: without it (or without an SDK registered by the application)
 * every call here is a no-op. Names follow OpenTelemetry's conventions where
 * one applies (error.type, user.id, db.system.name,
 * deployment.environment.name), else live under `agentstate.`. Attributes
 * carry ids, never state contents. docs/operations/observability.md lists them all.
 */
import type * as OtelApiModule from '@opentelemetry/api';
import type { Attributes, Counter, Histogram, MeterProvider, Span, Tracer, TracerProvider } from '@opentelemetry/api';

type OtelApi = typeof OtelApiModule;

function loadApi(): OtelApi | null {
  try {
    // Optional peer dependency: resolved at run time, absent in apps that do not use OpenTelemetry.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@opentelemetry/api') as OtelApi;
  } catch {
    return null;
  }
}

/** saved; replayed (an idempotent save found already stored: nothing written); skipped (ephemeral run); refused (by the policy, or a missing user it may not create); invalid (bad input); failed (anything else) */
export type SaveStatus = 'saved' | 'replayed' | 'skipped' | 'refused' | 'invalid' | 'failed';

/** Which door a write came through. */
export type Door = 'snapshot' | 'langgraph' | 'prisma-extension';
/** steady: one plain INSERT; provisioning: the ensure path; transaction: inside a transaction (expectedParentId, a caller's) */
export type WritePathKind = 'steady' | 'provisioning' | 'transaction';

export const METRIC_NAMES = {
  saves: 'agentstate.saves',
  refusals: 'agentstate.provisioning.refusals',
  foreignKeyViolations: 'agentstate.foreign_key.violations',
  errors: 'agentstate.errors',
  saveDuration: 'agentstate.save.duration',
  retries: 'agentstate.save.retries',
} as const;

export interface Telemetry {
  /** Runs `fn` in a span named `agentstate.<operation>`; a thrown error is counted by its code and marks the span. */
  traced<T>(operation: string, door: Door, attributes: Attributes, fn: (span: Span | null) => Promise<T>): Promise<T>;
  save(door: Door, status: SaveStatus, provisioning: 'created' | 'already-existed' | 'none'): void;
  /** attributes for the span in progress (the door's traced operation) */
  annotate(attributes: Attributes): void;
  saveDuration(door: Door, path: WritePathKind, seconds: number): void;
  refusal(door: Door, reasonCode: string, environment: string): void;
  foreignKeyViolation(door: Door, referencedModel: string, outcome: 'retried' | 'typed-error'): void;
  /** an idempotent save tried again after a retryable error (its code) */
  retry(door: Door, errorCode: string): void;
}

const NOOP: Telemetry = {
  traced: (_operation, _door, _attributes, fn) => fn(null),
  save: () => undefined,
  annotate: () => undefined,
  saveDuration: () => undefined,
  refusal: () => undefined,
  foreignKeyViolation: () => undefined,
  retry: () => undefined,
};

/** The meter's and the tracer's name: the package that records for every door. */
export const INSTRUMENTATION_SCOPE = '@agentstate/write-path';

/**
 * The instruments, taken from the global providers when a door is created
 * (register the SDK before creating the service, saver or extension, as OpenTelemetry asks), or
 * from the providers given (an application that does not use the globals).
 */
export function createTelemetry(providers: { meterProvider?: MeterProvider; tracerProvider?: TracerProvider } = {}): Telemetry {
  const api = loadApi();
  if (!api) return NOOP;
  const meter = (providers.meterProvider ?? api.metrics).getMeter(INSTRUMENTATION_SCOPE);
  const tracer: Tracer = (providers.tracerProvider ?? api.trace).getTracer(INSTRUMENTATION_SCOPE);
  const saves: Counter = meter.createCounter(METRIC_NAMES.saves, { unit: '{save}', description: 'Saves by door, status and what happened to the user' });
  const refusals: Counter = meter.createCounter(METRIC_NAMES.refusals, { unit: '{refusal}', description: 'Provisioning refusals by reason code and environment' });
  const violations: Counter = meter.createCounter(METRIC_NAMES.foreignKeyViolations, {
    unit: '{violation}',
    description: 'Foreign key violations (and missing references) caught: retried, or turned into a typed error',
  });
  const errors: Counter = meter.createCounter(METRIC_NAMES.errors, { unit: '{error}', description: 'Errors thrown to callers, by error code' });
  const retries: Counter = meter.createCounter(METRIC_NAMES.retries, { unit: '{retry}', description: 'Idempotent saves tried again by the library, by the error that caused it' });
  const duration: Histogram = meter.createHistogram(METRIC_NAMES.saveDuration, { unit: 's', description: 'Duration of saves that wrote, by write path' });

  return {
    traced(operation, door, attributes, fn) {
      return tracer.startActiveSpan(`agentstate.${operation}`, { attributes: { 'agentstate.door': door, ...attributes } }, async (span) => {
        try {
          return await fn(span);
        } catch (error) {
          const code = errorCode(error);
          errors.add(1, { 'error.type': code, 'agentstate.operation': operation, 'agentstate.door': door });
          span.setAttribute('error.type', code);
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: code });
          throw error;
        } finally {
          span.end();
        }
      });
    },
    annotate: (attributes) => api.trace.getActiveSpan()?.setAttributes(attributes),
    save: (door, status, provisioning) => saves.add(1, { 'agentstate.door': door, 'agentstate.save.status': status, 'agentstate.provisioning': provisioning }),
    saveDuration: (door, path, seconds) => duration.record(seconds, { 'agentstate.door': door, 'agentstate.write_path': path }),
    refusal: (door, reasonCode, environment) => refusals.add(1, { 'agentstate.door': door, 'agentstate.refusal.reason_code': reasonCode, 'deployment.environment.name': environment }),
    foreignKeyViolation: (door, referencedModel, outcome) => violations.add(1, { 'agentstate.door': door, 'agentstate.referenced_model': referencedModel, 'agentstate.outcome': outcome }),
    retry: (door, errorCode) => retries.add(1, { 'agentstate.door': door, 'error.type': errorCode }),
  };
}

/** Our errors' stable code, else the error's class name (OpenTelemetry's error.type convention). */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
  return error instanceof Error ? error.name : '_OTHER';
}

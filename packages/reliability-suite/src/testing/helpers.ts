import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@agentstate/db';
import { createMemoryLogger } from '@agentstate/logger';
import { createStatePersistence, type StatePersistence, type StatePersistenceOptions } from '@agentstate/state-persistence';

/** A unique suffix so tests sharing one database never see each other's rows. */
export function unique(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export type LogLine = Record<string, unknown>;

/** The service with an in-memory logger whose parsed JSON lines tests can read. */
export function serviceWithLog(
  prisma: PrismaClient,
  environment: StatePersistenceOptions['environment'] = 'development',
  extra: Omit<StatePersistenceOptions, 'prisma' | 'environment' | 'logger'> = {},
): { service: StatePersistence; lines: LogLine[] } {
  const { logger, lines } = createMemoryLogger({ level: 'debug' });
  return { service: createStatePersistence({ prisma, environment, logger, ...extra }), lines };
}

/** Log lines are written asynchronously by winston streams. */
export const flushLogs = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What a promise settled to, never throwing. */
export async function settle<T>(action: () => Promise<T> | T): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Rejects after `ms` (a bounded wait for anything that could hang). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `condition` every `intervalMs` until it holds; fails after `timeoutMs` with `what`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));


/** Tables whose count differs between two countAllRows results. */
export function changedTables(before: Record<string, number>, after: Record<string, number>): Record<string, [number | undefined, number | undefined]> {
  const changed: Record<string, [number | undefined, number | undefined]> = {};
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[table] !== after[table]) changed[table] = [before[table], after[table]];
  }
  return changed;
}

/** A short, printable description of an error (class, code, message, and the raw cause's shape), for failure messages and reports. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `non-error thrown: ${String(error)}`;
  const e = error as Error & { code?: unknown; retryable?: unknown; cause?: unknown };
  const cause = e.cause as (Error & { code?: unknown; meta?: unknown }) | undefined;
  const causeText = cause ? ` | cause: ${cause.name ?? typeof cause} code=${String(cause.code)} message=${JSON.stringify(String(cause.message ?? cause).slice(0, 300))} meta=${JSON.stringify(cause.meta ?? null)?.slice(0, 300)}` : '';
  return `${e.name} code=${String(e.code)} retryable=${String(e.retryable)} message=${JSON.stringify(e.message.slice(0, 400))}${causeText}`;
}

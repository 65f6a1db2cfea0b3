import { isEnvironment } from '@agentstate/policy';
import { InvalidInputError } from './errors';
import type { StatePersistenceOptions } from './types';
import { describeType, rejectUnknownKeys, requireInteger, requireObject } from './validation';

const OPTION_KEYS = ['prisma', 'sql', 'policy', 'logger', 'environment', 'maxStateBytes', 'maxMetadataBytes', 'maxReadBytes', 'threadLockTimeoutMs', 'groupCommit', 'growingState', 'telemetry', 'knownReferenceCacheSize', 'referenceRules', 'dataModel', 'retry'] as const;
const MAX_LIMIT_BYTES = 256 * 1024 * 1024;

/**
 * createStatePersistence's options, checked like every other input: a typo
 * or a wrong type must fail at start-up, never silently switch a protection
 * off (a NaN size limit, an ignored `enviroment: 'production'`).
 */
export function checkOptions(options: StatePersistenceOptions): StatePersistenceOptions {
  if (options === null || typeof options !== 'object' || !('prisma' in options) || options.prisma == null) {
    throw new InvalidInputError('options', 'createStatePersistence needs { prisma } (a client from @agentstate/db createPrismaClient)');
  }
  const fields = requireObject(options, 'options');
  rejectUnknownKeys(fields, OPTION_KEYS, 'options');
  requireMethods(fields.prisma, 'prisma', ['$queryRaw', '$executeRaw', '$transaction'], 'a PrismaClient from @agentstate/db createPrismaClient()');
  if (fields.sql !== undefined) requireMethods(fields.sql, 'sql', ['query'], 'db.sql from @agentstate/db createPrismaClient()');
  if (fields.policy !== undefined) requireMethods(fields.policy, 'policy', ['decide'], 'a policy from @agentstate/policy createProvisioningPolicy()');
  if (fields.logger !== undefined) requireMethods(fields.logger, 'logger', ['error', 'warn', 'info', 'debug'], 'a winston logger (or any object with error/warn/info/debug)');
  if (fields.environment !== undefined && !isEnvironment(fields.environment)) {
    throw new InvalidInputError('environment', `expected one of development, test, staging, production, unknown; got ${describeType(fields.environment)}`);
  }
  for (const key of ['maxStateBytes', 'maxMetadataBytes'] as const) {
    if (fields[key] !== undefined) requireInteger(fields[key], key, 1, MAX_LIMIT_BYTES);
  }
  if (fields.maxReadBytes !== undefined) requireInteger(fields.maxReadBytes, 'maxReadBytes', 1024, MAX_LIMIT_BYTES);
  if (fields.threadLockTimeoutMs !== undefined) requireInteger(fields.threadLockTimeoutMs, 'threadLockTimeoutMs', 1, 600_000);
  if (fields.telemetry !== undefined) requireMethods(fields.telemetry, 'telemetry', ['traced', 'save', 'refusal'], 'createTelemetry() from @agentstate/state-persistence');
  if (fields.groupCommit !== undefined && fields.groupCommit !== false) {
    const group = requireObject(fields.groupCommit, 'groupCommit');
    rejectUnknownKeys(group, ['maxInFlight', 'maxBatch', 'maxRowBytes'], 'groupCommit');
    if (group.maxInFlight !== undefined) requireInteger(group.maxInFlight, 'groupCommit.maxInFlight', 1, 1000);
    if (group.maxBatch !== undefined) requireInteger(group.maxBatch, 'groupCommit.maxBatch', 1, 10_000);
    if (group.maxRowBytes !== undefined) requireInteger(group.maxRowBytes, 'groupCommit.maxRowBytes', 0, MAX_LIMIT_BYTES);
  }
  if (fields.growingState !== undefined && fields.growingState !== false) {
    const growing = requireObject(fields.growingState, 'growingState');
    rejectUnknownKeys(growing, ['minBytes', 'cacheThreads'], 'growingState');
    if (growing.minBytes !== undefined) requireInteger(growing.minBytes, 'growingState.minBytes', 0, MAX_LIMIT_BYTES);
    if (growing.cacheThreads !== undefined) requireInteger(growing.cacheThreads, 'growingState.cacheThreads', 0, 1_000_000);
  }
  if (fields.retry !== undefined && fields.retry !== false) {
    const retry = requireObject(fields.retry, 'retry');
    rejectUnknownKeys(retry, ['maxAttempts', 'baseDelayMs', 'maxDelayMs'], 'retry');
    if (retry.maxAttempts !== undefined) requireInteger(retry.maxAttempts, 'retry.maxAttempts', 1, 100);
    if (retry.baseDelayMs !== undefined) requireInteger(retry.baseDelayMs, 'retry.baseDelayMs', 0, 60_000);
    if (retry.maxDelayMs !== undefined) requireInteger(retry.maxDelayMs, 'retry.maxDelayMs', 0, 60_000);
  }
  if (fields.knownReferenceCacheSize !== undefined) requireInteger(fields.knownReferenceCacheSize, 'knownReferenceCacheSize', 0, 10_000_000);
  if (fields.referenceRules !== undefined) {
    for (const [model, rule] of Object.entries(requireObject(fields.referenceRules, 'referenceRules'))) {
      const kind = (rule as { kind?: unknown } | null)?.kind;
      if (kind !== 'policy' && kind !== 'create-on-first-use' && kind !== 'must-exist') {
        throw new InvalidInputError('referenceRules', `the rule for ${model} must be { kind: 'policy' | 'create-on-first-use' | 'must-exist' }, got ${describeType(rule)}`);
      }
    }
  }
  if (fields.dataModel !== undefined && !((fields.dataModel as { references?: unknown }).references instanceof Map)) {
    throw new InvalidInputError('dataModel', 'expected a data model from @agentstate/db loadDataModel()');
  }
  return options;
}

function requireMethods(value: unknown, field: string, methods: string[], expected: string): void {
  const ok = value !== null && (typeof value === 'object' || typeof value === 'function') && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
  if (!ok) throw new InvalidInputError(field, `expected ${expected}; got ${describeType(value)} without ${methods.join('/')}`);
}

import type { DataModel, PrismaClient, SqlRunner } from '@agentstate/db';
import type { Logger } from '@agentstate/logger';
import { isEnvironment, type Environment } from '@agentstate/policy';
import { InvalidInputError, resolveRetry, type ProvisioningPolicyLike, type RetrySetting, type Telemetry } from '@agentstate/write-path';
import type { SerializerProtocol } from '@langchain/langgraph-checkpoint';
import type { GroupCommitOptions } from './checkpointBatcher';
import { requireId } from './owner';

export interface AgentStateSaverOptions {
  /** a client from @agentstate/db createPrismaClient() */
  prisma: PrismaClient;
  /** db.sql from createPrismaClient() (PostgreSQL): statements go straight to the pg pool */
  sql?: SqlRunner;
  /** may narrow the process's environment (AGENT_STATE_ENV/NODE_ENV), never widen it */
  environment?: Environment;
  /** default: createProvisioningPolicy() */
  policy?: ProvisioningPolicyLike;
  logger?: Logger;
  /** the owner when config.configurable.user_id is absent */
  defaultUserId?: string;
  /** default: OpenTelemetry through the global providers (a no-op without an SDK) */
  telemetry?: Telemetry;
  /** LangGraph's serializer (default: its JsonPlusSerializer) */
  serde?: SerializerProtocol;
  /** default: prisma/schema.prisma, parsed once per process */
  dataModel?: DataModel;
  /**
   * What a put does when the checkpoint it continues (config.configurable.checkpoint_id)
   * is no longer the latest of its thread and namespace (another writer got there first,
   * or the caller continues an old checkpoint):
   * - 'allow' (default, LangGraph's behaviour): the put forks the thread (time travel works);
   * - 'reject': the put fails with StaleCheckpointError (a ConcurrentWriteError) and writes nothing.
   * A call may override it with config.configurable.fork_policy.
   */
  forkPolicy?: ForkPolicy;
  /**
   * Group commit for steady puts on PostgreSQL (with `sql`): puts arriving while
   * statements run go out together as one statement, one commit (each answered
   * after that commit; a put that cannot be written is retried alone). Default on
   * with `sql`; false turns it off. Without `sql` (e.g. PGlite) every put is its own statement.
   */
  groupCommit?: false | GroupCommitOptions;
  /**
   * Growing-state storage (docs/concepts/growing-state.md): a channel value
   * whose JSON is at least `minBytes` (default 8192) and holds a large array
   * (MessagesValue's messages) stores each item once per thread, shared with
   * the snapshot service's mechanism. `false` stores every value whole.
   * `cacheThreads`: how many threads' element digests are remembered (default 1000).
   */
  growingState?: false | { minBytes?: number; cacheThreads?: number };
  /**
   * Built-in retry of put and putWrites, which are idempotent (keyed by
   * checkpoint id, and by task and index): after DatabaseUnavailableError or
   * ThreadBusyError the call is tried again, up to maxAttempts in all, with
   * exponential backoff and full jitter. Default { maxAttempts: 4,
   * baseDelayMs: 50, maxDelayMs: 2000 }; false turns it off.
   */
  retry?: RetrySetting;
  /** forkPolicy 'reject': how long a put waits in all (its turn behind the thread's other writers, a pool connection, the lock), default 5000 ms; then ThreadBusyError (retryable) */
  threadLockTimeoutMs?: number;
}

export type ForkPolicy = 'allow' | 'reject';

export function isForkPolicy(value: unknown): value is ForkPolicy {
  return value === 'allow' || value === 'reject';
}

const OPTION_KEYS = new Set(['prisma', 'sql', 'environment', 'policy', 'logger', 'defaultUserId', 'telemetry', 'serde', 'dataModel', 'forkPolicy', 'threadLockTimeoutMs', 'groupCommit', 'growingState', 'retry']);

/** The options, checked at start-up: a typo must fail loudly, never switch a protection off. */
export function checkSaverOptions(options: AgentStateSaverOptions): AgentStateSaverOptions {
  if (options === null || typeof options !== 'object' || options.prisma == null) {
    throw new InvalidInputError('options', 'createAgentStateSaver needs { prisma } (a client from @agentstate/db createPrismaClient)');
  }
  const unknown = Object.keys(options).filter((key) => !OPTION_KEYS.has(key));
  if (unknown.length > 0) throw new InvalidInputError('options', `unknown option(s) ${unknown.join(', ')}; expected ${[...OPTION_KEYS].join(', ')}`);
  if (typeof (options.prisma as { $queryRaw?: unknown }).$queryRaw !== 'function') throw new InvalidInputError('prisma', 'expected a PrismaClient from @agentstate/db createPrismaClient()');
  if (options.sql !== undefined && typeof options.sql?.query !== 'function') throw new InvalidInputError('sql', 'expected db.sql from @agentstate/db createPrismaClient()');
  if (options.environment !== undefined && !isEnvironment(options.environment)) {
    throw new InvalidInputError('environment', 'expected one of development, test, staging, production, unknown');
  }
  if (options.defaultUserId !== undefined) requireId(options.defaultUserId, 'defaultUserId');
  if (options.forkPolicy !== undefined && !isForkPolicy(options.forkPolicy)) throw new InvalidInputError('forkPolicy', "expected 'allow' or 'reject'");
  checkGroupCommit(options.groupCommit);
  checkGrowingState(options.growingState);
  if (options.retry !== undefined && options.retry !== false && (options.retry === null || typeof options.retry !== 'object')) throw new InvalidInputError('retry', 'expected false or { maxAttempts?, baseDelayMs?, maxDelayMs? }');
  try {
    resolveRetry(options.retry);
  } catch (error) {
    throw new InvalidInputError('retry', (error as Error).message);
  }
  const timeout = options.threadLockTimeoutMs;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 1)) {
    throw new InvalidInputError('threadLockTimeoutMs', 'expected a positive number of milliseconds');
  }
  return options;
}

function checkGrowingState(value: unknown): void {
  if (value === undefined || value === false) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError('growingState', 'expected false or { minBytes?, cacheThreads? }');
  for (const [key, limit] of Object.entries(value)) {
    if (key !== 'minBytes' && key !== 'cacheThreads') throw new InvalidInputError('growingState', `unknown option ${key}; expected minBytes, cacheThreads`);
    if (!Number.isInteger(limit) || (limit as number) < 0 || (limit as number) > 1024 * 1024 * 1024) throw new InvalidInputError(`growingState.${key}`, 'expected a non-negative integer');
  }
}

const GROUP_COMMIT_LIMITS = { maxInFlight: [1, 1000], maxBatch: [1, 10_000], maxRowBytes: [0, 1024 * 1024 * 1024] } as const;

function checkGroupCommit(value: unknown): void {
  if (value === undefined || value === false) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError('groupCommit', 'expected false or { maxInFlight?, maxBatch?, maxRowBytes? }');
  for (const [key, limit] of Object.entries(value)) {
    const range = GROUP_COMMIT_LIMITS[key as keyof typeof GROUP_COMMIT_LIMITS];
    if (!range) throw new InvalidInputError('groupCommit', `unknown option ${key}; expected ${Object.keys(GROUP_COMMIT_LIMITS).join(', ')}`);
    if (limit !== undefined && (!Number.isInteger(limit) || (limit as number) < range[0] || (limit as number) > range[1])) {
      throw new InvalidInputError(`groupCommit.${key}`, `expected an integer from ${range[0]} to ${range[1]}`);
    }
  }
}

import type { DataModel, PrismaClient, SqlRunner } from '@agentstate/db';
import type { Logger } from '@agentstate/logger';
import type { Environment } from '@agentstate/policy';
import type { ProvisioningOutcome, ProvisioningPolicyLike, ReferenceRule, Telemetry } from '@agentstate/write-path';

/** A stored state snapshot, with state and metadata decoded. */
export interface Snapshot<State = unknown> {
  id: string;
  userId: string;
  threadId: string;
  runId: string;
  /** previous snapshot in this lineage, null for a root (or when the parent was pruned) */
  parentId: string | null;
  state: State;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

export interface SaveSnapshotInput<State = unknown> {
  /**
   * Makes the save idempotent: a snapshot id (UUID) chosen by the caller, new
   * for each new save (crypto.randomUUID()). Sent again with the same content
   * (a retry after a lost reply), the save returns the snapshot stored the first
   * time with `replayed: true` and writes nothing; sent with other content, or
   * for another user or thread, it fails with IdempotencyConflictError. Only
   * saves with an id are retried by the library (see `retry`).
   */
  id?: string | null;
  userId: string;
  threadId: string;
  runId: string;
  state: State;
  metadata?: Record<string, unknown>;
  /** the snapshot this one continues from (lineage); must belong to the same user and thread */
  parentId?: string | null;
  /**
   * Optimistic concurrency: the id you believe is the thread's latest snapshot
   * (null: you expect the thread to be empty). If another writer saved first,
   * the save fails with ConcurrentWriteError and writes nothing. When given,
   * parentId defaults to it.
   */
  expectedParentId?: string | null;
}

export type SaveSnapshotResult<State = unknown> =
  | {
      status: 'saved';
      snapshot: Snapshot<State>;
      /** what happened to the user (null for a replay: nothing was created) */
      provisioning: ProvisioningOutcome | null;
      /** true when this save's id was already stored with the same content (an earlier attempt landed): nothing was written */
      replayed: boolean;
      /** how many attempts the library made (more than 1 only for saves with an id, see `retry`) */
      attempts: number;
    }
  | { status: 'skipped'; reason: string; code: string };

/** What happened to the user during a save (the write path's answer), re-exported for the service's callers. */
export type { ProvisioningOutcome };

export interface ListSnapshotsInput {
  userId: string;
  threadId?: string;
  runId?: string;
  /** page size, 1..500, default 50 */
  limit?: number;
  /** nextCursor of the previous page */
  cursor?: string | null;
  /**
   * Byte budget of the page (encoded state + metadata), default the
   * service's maxReadBytes (8 MiB): the page ends early, with a nextCursor,
   * once the rows before the next one reach it. One row is always returned.
   */
  maxBytes?: number;
}

/** A snapshot, by its owner and id: another user's snapshot is not found. */
export interface GetSnapshotInput {
  userId: string;
  id: string;
}

export interface GetLineageInput {
  userId: string;
  /** the snapshot to start from; the walk follows parents of the same user */
  id: string;
  /** at most this many snapshots, 1..10000, default 1000 */
  limit?: number;
  /**
   * Byte budget (encoded state + metadata), default the service's
   * maxReadBytes: the walk stops once the snapshots so far reach it. Continue
   * from the last snapshot's parentId for more.
   */
  maxBytes?: number;
}

export interface SnapshotPage<State = unknown> {
  items: Array<Snapshot<State>>;
  /** pass back to get the next (older) page; null on the last page */
  nextCursor: string | null;
}

export interface PruneSnapshotsInput {
  /** keep this many newest snapshots per (user, thread), at least 1; older ones are deleted (to delete everything, use deleteThread / deleteUserData) */
  keepLast?: number;
  /** delete snapshots created before this instant (combined with keepLast: both must hold) */
  olderThan?: Date;
  /** prune one user's snapshots (and with threadId, one thread's) */
  userId?: string;
  threadId?: string;
  /** prune every user's snapshots: the explicit, named opt-in required when no userId is given */
  allUsers?: true;
}

export interface StatePersistenceOptions {
  prisma: PrismaClient;
  /**
   * Optional: `db.sql` from createPrismaClient() (PostgreSQL). Single-statement
   * saves then run on the same pool without Prisma's per-query overhead;
   * reads and transactions still go through Prisma.
   */
  sql?: SqlRunner;
  /** default: createProvisioningPolicy() (dev-temp-/test- auto-create in development/test only) */
  policy?: ProvisioningPolicyLike;
  /** default: the shared winston JSON logger */
  logger?: Logger;
  /**
   * The runtime environment, captured once when the service is created:
   * changing process.env later does not change an existing service's decisions.
   * Default: resolveEnvironment(process.env) (AGENT_STATE_ENV, else NODE_ENV;
   * fails closed to 'unknown'). An explicit value may narrow the process's
   * environment but never widen it: 'development' or 'test' in a process whose
   * AGENT_STATE_ENV/NODE_ENV says production or staging is ignored (logged).
   */
  environment?: Environment;
  /** encoded state size limit, default 1 MiB */
  maxStateBytes?: number;
  /** default byte budget of one multi-row read (listSnapshots page, getLineage), default 8 MiB */
  maxReadBytes?: number;
  /** how long an expectedParentId save waits in all (its turn behind the thread's other writers, a pool connection, the lock), default 5000 ms; then ThreadBusyError (retryable) */
  threadLockTimeoutMs?: number;
  /**
   * Built-in retry of saves that carry an `id` (idempotent): after
   * DatabaseUnavailableError or ThreadBusyError the save is tried again, up to
   * maxAttempts in all, waiting a random time up to baseDelayMs·2^(n-1)
   * (capped at maxDelayMs) between attempts. Default { maxAttempts: 4,
   * baseDelayMs: 50, maxDelayMs: 2000 }; false turns it off. Saves without an
   * id are never retried by the library: a lost reply may hide a commit.
   */
  retry?: false | { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** encoded metadata size limit, default 64 KiB */
  maxMetadataBytes?: number;
  /**
   * Group commit of fast-path saves: concurrent saves whose users and threads
   * are known go out as one multi-row statement while earlier ones are in
   * flight (each caller answered after its row's commit). Default
   * { maxInFlight: 2, maxBatch: 64, maxRowBytes: 16 KiB } (larger states go
   * out alone: their cost is per byte, not per commit); false sends every save
   * on its own.
   */
  groupCommit?: false | { maxInFlight?: number; maxBatch?: number; maxRowBytes?: number };
  /**
   * Growing-state storage (docs/concepts/growing-state.md): states of at
   * least `minBytes` (default 8192) of JSON store each item of their large
   * arrays once per thread, so a growing conversation costs O(N) bytes, not
   * O(N^2). Reads return the same states either way. `false` stores every
   * state whole, as before. `cacheThreads`: how many threads' element digests
   * are remembered (default 1000; 0 stores every large state afresh).
   */
  growingState?: false | { minBytes?: number; cacheThreads?: number };
  /**
   * Metrics and traces (see docs/operations/observability.md). Default:
   * OpenTelemetry's global providers at creation (a no-op without an SDK, or
   * without @opentelemetry/api installed). Pass createTelemetry({ meterProvider,
   * tracerProvider }) to use providers of your own.
   */
  telemetry?: Telemetry;
  /** how many referenced rows (users, threads) known to exist are remembered (their saves skip the provisioning path), default 10000 */
  knownReferenceCacheSize?: number;
  /**
   * How each required reference of a snapshot is satisfied, per referenced
   * model. Default: User decided by the policy, AgentThread created on first use.
   */
  referenceRules?: Readonly<Record<string, ReferenceRule>>;
  /** Prisma's data model; default: parsed from prisma/schema.prisma. For tests of the start-up check. */
  dataModel?: DataModel;
}

import type { PrismaClient } from '@agentstate/db';
import type { Environment } from '@agentstate/policy';
import {
  ElementCache,
  GROWING_STATE_MIN_BYTES,
  splitState,
  setUpDoor,
  foreignKeyViolation,
  IdempotencyConflictError,
  resolveRetry,
  toPersistenceError,
  uniqueViolation,
  viaDriver,
  viaPrisma,
  withRetries,
  withThreadTurn,
  type Attempted,
  type ElementSave,
  type EnsurePlan,
  type LockedTransaction,
  type PreparedWrite,
  type Queryable,
  type Telemetry,
} from '@agentstate/write-path';
import { createDataManagement } from './dataManagement';
import { ConcurrentWriteError, InvalidInputError, SnapshotNotFoundError } from './errors';
import { checkOptions } from './options';
import { createReads } from './reads';
import { fromWrite } from './snapshotMapping';
import { contentDigest, insertIdempotent, insertIdempotentEnsuring, insertLayoutIdempotent, latestAndStored, storedSnapshot, type IdempotentAnswer } from './snapshotIdempotency';
import { insertLayoutSnapshot, insertSnapshot, insertSnapshotEnsuring, latestSnapshotId, type SnapshotWrite, type WrittenRow } from './snapshotWrites';
import { SnapshotBatcher } from './snapshotBatcher';
import { encodeValue } from './stateCodec';
import type {
  GetLineageInput,
  GetSnapshotInput,
  ListSnapshotsInput,
  PruneSnapshotsInput,
  SaveSnapshotInput,
  SaveSnapshotResult,
  Snapshot,
  SnapshotPage,
  StatePersistenceOptions,
} from './types';
import { optionalSnapshotId, rejectUnknownKeys, requireIdentifier, requireObject } from './validation';

export interface StatePersistence {
  /** the environment decisions are made for, fixed at creation */
  readonly environment: Environment;
  saveSnapshot<State = unknown>(input: SaveSnapshotInput<State>): Promise<SaveSnapshotResult<State>>;
  getLatest<State = unknown>(query: { userId: string; threadId: string }): Promise<Snapshot<State> | null>;
  /** throws SnapshotNotFoundError when the user has no such snapshot (another user's is not found either) */
  getSnapshot<State = unknown>(query: GetSnapshotInput): Promise<Snapshot<State>>;
  /** newest first, keyset-paginated */
  listSnapshots<State = unknown>(query: ListSnapshotsInput): Promise<SnapshotPage<State>>;
  /** the snapshot, then its parent, grandparent, … up to the root, within the user's rows (at most `limit` rows and `maxBytes`) */
  getLineage<State = unknown>(query: GetLineageInput): Promise<Array<Snapshot<State>>>;
  deleteThread(query: { userId: string; threadId: string }): Promise<{ deletedSnapshots: number }>;
  /** deletes the user row and all their snapshots; the audit trail is kept unless auditTrail: 'delete' */
  deleteUserData(userId: string, options?: { auditTrail?: 'keep' | 'delete' }): Promise<{ deletedUsers: number; deletedSnapshots: number; deletedAuditRows: number }>;
  pruneSnapshots(input: PruneSnapshotsInput): Promise<{ deletedSnapshots: number }>;
}

const MiB = 1024 * 1024;
const SAVE_KEYS = ['id', 'userId', 'threadId', 'runId', 'state', 'metadata', 'parentId', 'expectedParentId'] as const;
/** the snapshot fields the service fills, from which its foreign keys are built */
const SNAPSHOT_KEY_FIELDS = ['userId', 'threadId'] as const;

interface PreparedSave {
  write: SnapshotWrite;
  /** the caller's values, returned as the saved snapshot's state and metadata */
  state: unknown;
  metadata: unknown;
  reference: PreparedWrite;
  expectedParentId: string | null | undefined;
}

/**
 * Creates the service. Everything that can be checked without the database
 * (validation, the policy decision, state encoding and its size) happens
 * before a connection is taken, so slow or huge states never hold one.
 */
export function createStatePersistence(input: StatePersistenceOptions): StatePersistence {
  const options = checkOptions(input);
  const prisma: PrismaClient = options.prisma;
  // Captured once: later changes to process.env do not change this service's decisions.
  const setup = setUpDoor('snapshot', options, { loggerService: 'state-persistence' });
  const { environment } = setup;
  const maxStateBytes = options.maxStateBytes ?? MiB;
  const maxMetadataBytes = options.maxMetadataBytes ?? 64 * 1024;
  const threadLockTimeoutMs = options.threadLockTimeoutMs ?? 5_000;
  // Built-in retry, for saves with an id only (see @agentstate/write-path retries.ts).
  const retry = resolveRetry(options.retry);
  // Single-statement saves and every read go straight to the pg pool when the caller passed db.sql.
  const direct: Queryable = options.sql ? viaDriver(options.sql) : viaPrisma(prisma);
  const writePath = setup.writePath(direct);
  // Group commit for fast-path saves (see snapshotBatcher.ts); off with groupCommit: false.
  const batcher = options.groupCommit === false ? null : new SnapshotBatcher(direct, options.groupCommit ?? {});
  // Growing-state storage (docs/concepts/growing-state.md); off with growingState: false.
  const growing = options.growingState === false ? null : { minBytes: options.growingState?.minBytes ?? GROWING_STATE_MIN_BYTES };
  const elements = new ElementCache({ maxThreads: options.growingState === false ? 0 : (options.growingState?.cacheThreads ?? 1000) });
  // Start-up check: every required relation of a snapshot has a provisioning rule.
  const snapshotPlan = writePath.plan('AgentStateSnapshot', SNAPSHOT_KEY_FIELDS);

  function prepareSave(input: SaveSnapshotInput<unknown>): PreparedSave {
    const fields = requireObject(input, 'saveSnapshot input');
    rejectUnknownKeys(fields, SAVE_KEYS, 'saveSnapshot input');
    const threadId = requireIdentifier(fields.threadId, 'threadId');
    const runId = requireIdentifier(fields.runId, 'runId');
    const reference = writePath.prepare(snapshotPlan, { userId: fields.userId as string, threadId }, runId);
    const expectedParentId = optionalSnapshotId(fields.expectedParentId, 'expectedParentId');
    // null is "no id", like omitting it: the database picks one and the save is not idempotent.
    const id = optionalSnapshotId(fields.id, 'id') ?? null;
    let parentId = optionalSnapshotId(fields.parentId, 'parentId');
    if (expectedParentId !== undefined) {
      if (parentId !== undefined && parentId !== expectedParentId) {
        throw new InvalidInputError('parentId', 'when expectedParentId is given, parentId must be omitted or equal to it (the new snapshot continues from the expected latest one)');
      }
      parentId = expectedParentId;
    }
    if (fields.metadata !== undefined) requireObject(fields.metadata, 'metadata');
    const state = encodeValue(fields.state, 'state', maxStateBytes);
    const metadata = encodeValue(fields.metadata ?? {}, 'metadata', maxMetadataBytes);
    const userId = reference.values.userId as string;
    const content = { userId, threadId, runId, parentId: parentId ?? null, stateJson: state.json, metadataJson: metadata.json };
    return {
      reference,
      expectedParentId,
      state: fields.state,
      metadata: fields.metadata,
      write: {
        id,
        digest: id === null ? null : contentDigest(content),
        ...content,
        // With or without an id (the digest above is of the state as sent, however it is stored).
        parts: growing ? splitState(state.json, growing.minBytes) : null,
      },
    };
  }

  /**
   * One attempt of the snapshot statement: the fast path without an ensure
   * plan (grouped with concurrent ones outside transactions), else the ensure path.
   */
  async function attemptSave(db: Queryable, w: SnapshotWrite, ensure: EnsurePlan | null): Promise<Attempted<WrittenRow | null>> {
    if (w.parts !== null) return attemptLayoutSave(db, w, w.parts, ensure);
    if (w.id !== null) return attemptIdempotentSave(db, w, ensure);
    if (ensure === null) return attempted(db === direct && batcher ? await batcher.insert(w) : await insertSnapshot(db, w), null);
    const { row, ensured } = await insertSnapshotEnsuring(db, w, ensure);
    return { value: row, written: row !== null, ensured };
  }

  /** The same, for a save with an id: a replay is returned as such, a conflict thrown (nothing written either way). */
  async function attemptIdempotentSave(db: Queryable, w: SnapshotWrite, ensure: EnsurePlan | null): Promise<Attempted<WrittenRow | null>> {
    if (ensure === null) {
      const answer = db === direct && batcher ? await batcher.insert(w) : await insertIdempotent(db, w);
      return attempted(answer, null);
    }
    const { answer, ensured } = await insertIdempotentEnsuring(db, w, ensure);
    return attempted(answer, ensured);
  }

  /**
   * A large state as a layout over the thread's elements: planned against
   * what this instance knows of the thread; when the statement refuses that
   * view as stale (another writer, a collection), planned afresh (every
   * element new, which cannot be refused) and run once more.
   */
  async function attemptLayoutSave(db: Queryable, w: SnapshotWrite, parts: NonNullable<SnapshotWrite['parts']>, ensure: EnsurePlan | null): Promise<Attempted<WrittenRow | null>> {
    // With an id, the statement also answers for an earlier attempt (a replay or a conflict, no element written).
    const run = async (save: ElementSave) => {
      if (w.id === null) return insertLayoutSnapshot(db, w, save, ensure);
      const { answer, ensured, elements: outcome } = await insertLayoutIdempotent(db, w, save, ensure);
      return { row: answer, ensured, elements: outcome };
    };
    let save = elements.plan(w.userId, w.threadId, parts);
    let result = await run(save);
    if (result.elements.kind === 'refused') {
      elements.forget(w.userId, w.threadId);
      save = elements.plan(w.userId, w.threadId, parts, true);
      result = await run(save);
    }
    if (result.elements.kind === 'written') elements.written(save, result.elements.base, result.elements.epoch);
    return attempted(result.row, result.ensured);
  }

  /**
   * expectedParentId: the same attempt, inside a transaction holding the
   * thread's lock (see withThreadTurn: turns in memory first, the whole wait
   * bounded by threadLockTimeoutMs), after checking the latest snapshot.
   */
  function attemptOrderedSave(prepared: PreparedSave, transaction: LockedTransaction) {
    const w = prepared.write;
    return (ensure: EnsurePlan | null) =>
      transaction(async (db) => {
        if (w.id !== null) {
          // One statement: an earlier attempt of this very save answers first (a replay, not a ConcurrentWriteError).
          const { latest, stored } = await latestAndStored(db, w);
          if (stored !== null) return attempted(stored, null);
          if (latest !== prepared.expectedParentId) throw new ConcurrentWriteError(w.threadId, prepared.expectedParentId ?? null, latest);
          return attemptSave(db, w, ensure);
        }
        const latest = await latestSnapshotId(db, w.userId, w.threadId);
        if (latest !== prepared.expectedParentId) throw new ConcurrentWriteError(w.threadId, prepared.expectedParentId ?? null, latest);
        return attemptSave(db, w, ensure);
      });
  }

  function saveSnapshot<State>(input: SaveSnapshotInput<State>): Promise<SaveSnapshotResult<State>> {
    return writePath.telemetry.traced('saveSnapshot', 'snapshot', idAttributes(input), async (span) => {
      const prepared = prepareSave(input as SaveSnapshotInput<unknown>);
      // Only a save with an id may be tried again: its retry cannot store it twice.
      const { value: result, attempts } = await withRetries(
        retry,
        prepared.write.id !== null,
        () => save<State>(prepared),
        (error) => writePath.telemetry.retry('snapshot', (error as { code?: string }).code ?? 'UNKNOWN'),
      );
      if (result.status === 'saved') {
        span?.setAttribute('agentstate.snapshot.id', result.snapshot.id);
        span?.setAttribute('agentstate.attempts', attempts);
        span?.setAttribute('agentstate.replayed', result.replayed);
        // the result is this call's own object: set, not copied (this runs on every save)
        result.attempts = attempts;
      }
      return result;
    });
  }

  async function save<State>(prepared: PreparedSave): Promise<SaveSnapshotResult<State>> {
    const { reference, write: w } = prepared;
    if (reference.decided.kind === 'skip') {
      // Ephemeral runs are not persisted at all: the decision was logged, no row anywhere.
      return { status: 'skipped', reason: reference.decided.decision.reason, code: reference.decided.decision.code };
    }
    try {
      const result =
        prepared.expectedParentId === undefined
          ? await writePath.write(reference, (ensure: EnsurePlan | null) => attemptSave(direct, w, ensure))
          : await withThreadTurn({ prisma, userId: w.userId, threadId: w.threadId, timeoutMs: threadLockTimeoutMs }, (transaction) =>
              writePath.write(reference, attemptOrderedSave(prepared, transaction), { transactional: true }),
            );
      if (!(result.written || result.replayed) || !result.value) throw invalidParent(w);
      return saved<State>(prepared, result.value, result.provisioning);
    } catch (error) {
      // A concurrent save of the same id committed first (the ensure path's insert failed as a whole): its answer.
      if (w.id !== null && uniqueViolation(error)) {
        const answer = await storedSnapshot(direct, w).catch(() => null);
        if (answer instanceof IdempotencyConflictError) throw answer;
        if (answer) return saved<State>(prepared, answer, null);
      }
      // Any foreign key the write path did not claim is the parent's (deleted while we wrote).
      if (foreignKeyViolation(error)) throw invalidParent(w);
      throw toPersistenceError('saveSnapshot', error, 'write');
    }
  }

  function saved<State>(prepared: PreparedSave, row: WrittenRow, provisioning: SaveSnapshotResultProvisioning): SaveSnapshotResult<State> {
    const snapshot = fromWrite<State>(prepared.write, row, prepared.state, prepared.metadata);
    return { status: 'saved', snapshot, provisioning, replayed: row.replayed === true, attempts: 1 };
  }

  return Object.freeze({
    environment,
    saveSnapshot,
    ...traceEach(writePath.telemetry, { ...createReads(direct, options.maxReadBytes), ...createDataManagement(prisma, { forgetUser: (id) => { writePath.forgetUser(id); elements.forgetUser(id); }, forgetReference: (model, key) => writePath.forgetReference(model, key) }) }),
  });
}

/** Span attributes from a call's ids (strings only, bounded; never state or metadata). */
function idAttributes(input: unknown): Record<string, string> {
  const fields = (typeof input === 'object' && input !== null ? input : { userId: input }) as Record<string, unknown>;
  const attributes: Record<string, string> = { 'db.system.name': 'postgresql' };
  for (const [field, attribute] of [['userId', 'user.id'], ['threadId', 'agentstate.thread.id'], ['runId', 'agentstate.run.id'], ['id', 'agentstate.snapshot.id']] as const) {
    const value = fields[field];
    if (typeof value === 'string') attributes[attribute] = value.slice(0, 128);
  }
  return attributes;
}

/** Each method in a span of its own name, with the ids of its first argument. */
function traceEach<M extends Record<string, (...args: never[]) => Promise<unknown>>>(telemetry: Telemetry, methods: M): M {
  const traced: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(methods)) {
    traced[name] = (...args: never[]) => telemetry.traced(name, 'snapshot', idAttributes(args[0]), () => method(...args));
  }
  return traced as M;
}

type SaveSnapshotResultProvisioning = Extract<SaveSnapshotResult, { status: 'saved' }>['provisioning'];

/** An idempotent statement's answer as an attempt: a conflict is thrown, nothing having been written. */
function attempted(answer: IdempotentAnswer, ensured: Attempted<unknown>['ensured']): Attempted<WrittenRow | null> {
  if (answer instanceof IdempotencyConflictError) throw answer;
  if (answer?.replayed) return { value: answer, written: false, replayed: true, ensured };
  return { value: answer, written: answer !== null, ensured };
}

function invalidParent(w: SnapshotWrite): SnapshotNotFoundError {
  return new SnapshotNotFoundError(w.parentId ?? '(none)', ` for user "${w.userId}" in thread "${w.threadId}" (parentId must name a snapshot of the same user and thread)`);
}

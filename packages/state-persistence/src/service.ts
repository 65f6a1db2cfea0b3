import { loadDataModel, type DataModel, type PrismaClient } from '@agentstate/db';
import { createLogger, type Logger } from '@agentstate/logger';
import { createProvisioningPolicy, resolveEnvironment, type Environment, type ProvisioningDecision } from '@agentstate/policy';
import { auditColumns, auditEvent, logAudit, type AuditEvent } from './audit';
import { createDataManagement } from './dataManagement';
import { foreignKeyViolation, toPersistenceError } from './databaseErrors';
import {
  ConcurrentWriteError,
  InvalidInputError,
  ProvisioningRefusedError,
  SnapshotNotFoundError,
  UnknownReferenceError,
  UnknownUserError,
} from './errors';
import { KnownReferences } from './knownReferences';
import { checkOptions } from './options';
import { createReads } from './reads';
import { DEFAULT_REFERENCE_RULES, planSnapshotReferences, referenceKey, type PlannedReference } from './references';
import { fromWrite } from './snapshotMapping';
import {
  insertAuditRow,
  insertSnapshot,
  insertSnapshotWithReferences,
  latestSnapshotId,
  lockThread,
  type Queryable,
  type ReferenceRow,
  viaDriver,
  viaPrisma,
  type SnapshotWrite,
  type WrittenRow,
} from './snapshotWrites';
import { encodeValue } from './stateCodec';
import type {
  ListSnapshotsInput,
  ProvisioningOutcome,
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
  /** throws SnapshotNotFoundError when there is no such snapshot */
  getSnapshot<State = unknown>(id: string): Promise<Snapshot<State>>;
  /** newest first, keyset-paginated */
  listSnapshots<State = unknown>(query: ListSnapshotsInput): Promise<SnapshotPage<State>>;
  /** the snapshot, then its parent, grandparent, … up to the root (at most `limit`, default 1000) */
  getLineage<State = unknown>(id: string, options?: { limit?: number }): Promise<Array<Snapshot<State>>>;
  deleteThread(query: { userId: string; threadId: string }): Promise<{ deletedSnapshots: number }>;
  /** deletes the user row and all their snapshots; the audit trail is kept unless auditTrail: 'delete' */
  deleteUserData(userId: string, options?: { auditTrail?: 'keep' | 'delete' }): Promise<{ deletedUsers: number; deletedSnapshots: number; deletedAuditRows: number }>;
  pruneSnapshots(input: PruneSnapshotsInput): Promise<{ deletedSnapshots: number }>;
}

const MiB = 1024 * 1024;
const SAVE_KEYS = ['userId', 'threadId', 'runId', 'state', 'metadata', 'parentId', 'expectedParentId'] as const;

interface PreparedSave {
  write: SnapshotWrite;
  /** the caller's values, returned as the saved snapshot's state and metadata */
  state: unknown;
  metadata: unknown;
  decision: ProvisioningDecision;
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
  const policy = options.policy ?? createProvisioningPolicy();
  const logger: Logger = options.logger ?? createLogger({ service: 'state-persistence' });
  // Captured once: later changes to process.env do not change this service's decisions.
  const environment: Environment = options.environment ?? resolveEnvironment(process.env);
  const maxStateBytes = options.maxStateBytes ?? MiB;
  const maxMetadataBytes = options.maxMetadataBytes ?? 64 * 1024;
  // Single-statement saves go straight to the pg pool when the caller passed db.sql.
  const direct: Queryable = options.sql ? viaDriver(options.sql) : viaPrisma(prisma);
  const known = new KnownReferences(options.knownReferenceCacheSize ?? 10_000);
  // Start-up check: every required relation of a snapshot has a provisioning rule.
  const plan = planSnapshotReferences(options.dataModel ?? defaultDataModel(), options.referenceRules ?? DEFAULT_REFERENCE_RULES);

  function prepareSave(input: SaveSnapshotInput<unknown>): PreparedSave {
    const fields = requireObject(input, 'saveSnapshot input');
    rejectUnknownKeys(fields, SAVE_KEYS, 'saveSnapshot input');
    const threadId = requireIdentifier(fields.threadId, 'threadId');
    const runId = requireIdentifier(fields.runId, 'runId');
    const decision = policy.decide({ entity: 'User', id: fields.userId, runId }, { environment });
    if (decision.kind === 'reject' && (decision.code.startsWith('INVALID_ID') || decision.code === 'UNKNOWN_ENTITY')) {
      logAudit(logger, auditEvent(decision, 'refused'));
      throw new InvalidInputError('userId', decision.reason, decision.code);
    }
    const expectedParentId = optionalSnapshotId(fields.expectedParentId, 'expectedParentId');
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
    return {
      decision,
      expectedParentId,
      state: fields.state,
      metadata: fields.metadata,
      write: { userId: decision.id, threadId, runId, parentId: parentId ?? null, stateJson: state.json, metadataJson: metadata.json },
    };
  }

  /** A refusal's log line and audit row. The refusal stands even if the row cannot be written (the line still is). */
  async function auditRefusal(event: AuditEvent): Promise<void> {
    logAudit(logger, event);
    await insertAuditRow(direct, { ...auditColumns(event), outcome: event.outcome }).catch((auditError: unknown) =>
      logger.error('audit row could not be written', { error: String(auditError) }),
    );
  }

  /**
   * The row to create for a reference when it may be missing, or null when
   * this save must not create it. `audited`: the policy-decided row carries
   * its audit row (only when the service did not already know the row).
   */
  function referenceRow(reference: PlannedReference, w: SnapshotWrite, decision: ProvisioningDecision, audited: boolean): ReferenceRow | null {
    const values: Record<string, unknown> = {};
    const addDefaults = (defaults: Readonly<Record<string, unknown>>) => {
      for (const [field, value] of Object.entries(defaults)) values[reference.columnOf(field)] = value;
    };
    let audit: ReferenceRow['audit'];
    switch (reference.rule.kind) {
      case 'must-exist':
        return null;
      case 'policy':
        if (decision.kind !== 'create-if-missing') return null;
        addDefaults(decision.defaults);
        if (audited) audit = auditColumns(auditEvent(decision, 'created'));
        break;
      case 'create-on-first-use':
        addDefaults(reference.rule.defaults ?? {});
        break;
    }
    // The key columns come from the snapshot itself and win over any default.
    for (const key of reference.keys) values[key.toColumn] = snapshotField(w, key.from);
    return { table: reference.referencedTable, values, ...(audit ? { audit } : {}) };
  }

  /** Rows for the given references that this save may create (rows are only built when needed: not in steady state). */
  function rowsToCreate(references: PlannedReference[], prepared: PreparedSave, audited: (reference: PlannedReference) => boolean): ReferenceRow[] {
    return references.flatMap((reference) => referenceRow(reference, prepared.write, prepared.decision, audited(reference)) ?? []);
  }

  /**
   * Runs the write for the decision: one plain INSERT when every referenced
   * row is known to exist, otherwise one statement that also creates the
   * missing ones the rules allow. Inside a transaction (expectedParentId) a
   * failed INSERT aborts it, so there every creatable reference goes into the
   * creating statement (ON CONFLICT DO NOTHING: harmless for existing rows),
   * but only unknown ones are audited and reported as provisioning.
   */
  async function write(db: Queryable, prepared: PreparedSave, inTransaction: boolean): Promise<{ row: WrittenRow; provisioning: ProvisioningOutcome | null }> {
    const { decision, write: w } = prepared;
    const unknown = plan.required.filter((reference) => !known.has(referenceKey(reference, w)));
    const toCreate = rowsToCreate(inTransaction ? plan.required : unknown, prepared, (reference) => unknown.includes(reference));
    try {
      const row = toCreate.length === 0 ? await insertSnapshot(db, w) : await insertSnapshotWithReferences(db, w, toCreate);
      if (!row) throw invalidParent(w);
      return finish(prepared, row, toCreate);
    } catch (error) {
      const violated = foreignKeyViolation(error);
      if (!violated) throw error;
      const reference = plan.byConstraint.get(violated.constraint);
      if (!reference || reference.referencedModel === 'AgentStateSnapshot') throw invalidParent(w);
      const missing = plan.required.find((r) => r.referencedModel === reference.referencedModel);
      if (missing) known.forget(referenceKey(missing, w));
      // A row we believed existed was deleted meanwhile: create it again if the rules allow.
      if (toCreate.length === 0 && missing && referenceRow(missing, w, decision, true)) {
        const retried = rowsToCreate(plan.required, prepared, () => true);
        const row = await insertSnapshotWithReferences(db, w, retried);
        if (!row) throw invalidParent(w);
        return finish(prepared, row, retried);
      }
      if (reference.referencedModel === plan.policyReference.referencedModel) throw new UnknownUserPending(decision, error);
      throw new UnknownReferenceError(reference.referencedModel, reference.keys.map((k) => snapshotField(w, k.from)).join('/'));
    }
  }

  function finish(prepared: PreparedSave, row: WrittenRow, created: ReferenceRow[]): { row: WrittenRow; provisioning: ProvisioningOutcome | null } {
    for (const reference of plan.required) known.add(referenceKey(reference, prepared.write));
    // Provisioning is reported exactly when the statement carried the policy-decided row's audit row.
    if (!created.some((r) => r.audit)) return { row, provisioning: null };
    const outcome: ProvisioningOutcome = row.provisioning === 'created' ? 'created' : 'already-existed';
    logAudit(logger, auditEvent(prepared.decision, outcome));
    return { row, provisioning: outcome };
  }

  async function saveSnapshot<State>(input: SaveSnapshotInput<State>): Promise<SaveSnapshotResult<State>> {
    const prepared = prepareSave(input as SaveSnapshotInput<unknown>);
    const { decision, write: w } = prepared;
    if (decision.kind === 'skip') {
      // Ephemeral runs are not persisted at all: the decision is logged, no row anywhere.
      logAudit(logger, auditEvent(decision, 'skipped'));
      return { status: 'skipped', reason: decision.reason, code: decision.code };
    }
    try {
      if (decision.kind === 'reject') {
        await auditRefusal(auditEvent(decision, 'refused'));
        throw new ProvisioningRefusedError(decision.id, decision.code, decision.reason);
      }
      const { row, provisioning } =
        prepared.expectedParentId === undefined
          ? await write(direct, prepared, false)
          : await prisma.$transaction(
              async (tx) => {
                const db = viaPrisma(tx);
                await lockThread(db, w.userId, w.threadId);
                const latest = await latestSnapshotId(db, w.userId, w.threadId);
                if (latest !== prepared.expectedParentId) throw new ConcurrentWriteError(w.threadId, prepared.expectedParentId ?? null, latest);
                return write(db, prepared, true);
              },
              { maxWait: 20_000, timeout: 20_000 },
            );
      return { status: 'saved', snapshot: fromWrite<State>(w, row, prepared.state, prepared.metadata), provisioning };
    } catch (error) {
      if (error instanceof UnknownUserPending) {
        const refusal = auditEvent(error.decision, 'refused', { reasonCode: 'USER_NOT_FOUND', reason: `user does not exist; ${error.decision.reason}` });
        await auditRefusal(refusal);
        throw new UnknownUserError(w.userId, error.decision.code, error.decision.reason);
      }
      throw toPersistenceError('saveSnapshot', error, 'write');
    }
  }

  return Object.freeze({
    environment,
    saveSnapshot,
    ...createReads(prisma),
    ...createDataManagement(prisma, (userId) => known.forget(referenceKey(plan.policyReference, { userId }))),
  });
}

/** Internal signal: the user is missing and the policy does not allow creating it. */
class UnknownUserPending extends Error {
  constructor(
    readonly decision: ProvisioningDecision,
    cause: unknown,
  ) {
    super('user missing', { cause });
  }
}

function invalidParent(w: SnapshotWrite): SnapshotNotFoundError {
  return new SnapshotNotFoundError(w.parentId ?? '(none)', ` for user "${w.userId}" in thread "${w.threadId}" (parentId must name a snapshot of the same user and thread)`);
}

/** The value of one of the snapshot's own fields (the foreign key columns come from here). */
function snapshotField(w: SnapshotWrite, field: string): string {
  const value = (w as unknown as Record<string, unknown>)[field];
  if (typeof value !== 'string') throw new InvalidInputError(field, 'the service has no value for this foreign key field of the snapshot');
  return value;
}

let cachedDataModel: DataModel | undefined;
function defaultDataModel(): DataModel {
  cachedDataModel ??= loadDataModel();
  return cachedDataModel;
}

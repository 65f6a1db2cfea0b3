// The one write path, shared by every door (the snapshot service, the LangGraph saver, the Prisma extension).
export { createWritePath } from './writePath';
export type { WritePath, WritePathOptions, WriteResult } from './writePath';
export type { Attempt, Attempted, ProvisioningOutcome, WriteManyResult, WriteOptions } from './attempts';
export type { DecidedUser, PreparedWrite } from './prepareWrite';
export { setUpDoor } from './door';
export type { DoorOptions, DoorSetup } from './door';
export type { ProvisioningPolicyLike } from './writeDecision';
export { DEFAULT_REFERENCE_RULES, MissingReferenceRuleError, modelsReferencingPolicyModels } from './referencePlan';
export type { KeyValues, PlannedReference, ReferencePlan, ReferenceRule } from './referencePlan';

// What a door's own statement needs: the ensure SQL, where statements run, the thread's turn, group commit.
export { ensureClause, ensureReferences, readEnsureOutcome } from './ensureStatement';
export type { EnsureOutcome, EnsureOutcomeColumns, EnsurePlan } from './ensureStatement';
export { viaDriver, viaPrisma } from './queryable';
export type { Queryable, RowOptions } from './queryable';
export { withThreadTurn } from './threadTurn';
export type { LockedTransaction } from './threadTurn';
export { GroupCommit } from './groupCommit';
export type { GroupCommitOptions, GroupCommitStatements } from './groupCommit';
export { LONE_SURROGATE, unstorableText } from './storableText';
export { DEFAULT_RETRY, isRetryable, resolveRetry, retryDelayMs, withRetries } from './retries';
export type { Retried, RetryOptions, RetrySetting } from './retries';

// Errors: the typed errors every door throws, and Prisma/driver errors turned into them.
export {
  ConcurrentWriteError,
  DatabaseUnavailableError,
  IdempotencyConflictError,
  InvalidInputError,
  PersistenceFailedError,
  ProvisioningRefusedError,
  StateNotSerializableError,
  StatePersistenceError,
  ThreadBusyError,
  UnknownReferenceError,
  UnknownUserError,
} from './errors';
export type { StatePersistenceErrorCode } from './errors';
export { foreignKeyViolation, uniqueViolation, runDatabase, runDatabaseWrite, toPersistenceError } from './databaseErrors';

// Metrics and traces, named for the library (see telemetry.ts).
export { createTelemetry, METRIC_NAMES } from './telemetry';
export type { Door, SaveStatus, Telemetry, WritePathKind } from './telemetry';

// Growing-state storage: large arrays stored once as elements, states as layouts over them (docs/concepts/growing-state.md).
export { GROWING_STATE_MIN_BYTES, assembleLayout, planLayout, splitJson } from './growingState';
export type { LayoutEntry, PlannedLayout, StatePart } from './growingState';
export { ElementCache, splitState } from './elementCache';
export type { ElementCacheOptions } from './elementCache';
export { collectElements, elementClause, layoutText, readElementOutcome, renewEpochs, stateTextColumn } from './growingStateSql';
export type { ElementClause, ElementOutcome, ElementOutcomeColumns, ElementSave } from './growingStateSql';

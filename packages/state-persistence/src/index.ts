export { createStatePersistence } from './service';
export type { StatePersistence } from './service';
export type {
  GetLineageInput,
  GetSnapshotInput,
  ListSnapshotsInput,
  ProvisioningOutcome,
  PruneSnapshotsInput,
  SaveSnapshotInput,
  SaveSnapshotResult,
  Snapshot,
  SnapshotPage,
  StatePersistenceOptions,
} from './types';
export {
  ConcurrentWriteError,
  DatabaseUnavailableError,
  InvalidCursorError,
  InvalidInputError,
  PersistenceFailedError,
  ProvisioningRefusedError,
  SnapshotNotFoundError,
  StateNotSerializableError,
  StatePersistenceError,
  StateTooLargeError,
  ThreadBusyError,
  UnknownReferenceError,
  UnknownUserError,
} from './errors';
export { DEFAULT_REFERENCE_RULES, MissingReferenceRuleError, modelsReferencingPolicyModels } from './writePath/referencePlan';
export type { KeyValues, PlannedReference, ReferencePlan, ReferenceRule } from './writePath/referencePlan';
export type { StatePersistenceErrorCode } from './errors';
export type { AuditEvent, AuditOutcome } from './writePath/audit';
// The one write path, shared by every door (this service, @agentstate/langgraph, the Prisma extension).
export { createWritePath } from './writePath/writePath';
export type { Attempt, Attempted, DecidedUser, PreparedWrite, WriteManyResult, WritePath, WritePathOptions, WriteOptions, WriteResult } from './writePath/writePath';
export { ensureClause, ensureReferences, ensureStatement, ident, readEnsureOutcome } from './writePath/ensureStatement';
export type { EnsureClause, EnsureOutcome, EnsureOutcomeColumns, EnsurePlan } from './writePath/ensureStatement';
export { viaDriver, viaPrisma } from './writePath/queryable';
export { lockThread } from './writePath/threadLock';
export { withThreadTurn } from './writePath/threadTurn';
export type { LockedTransaction, ThreadTurnOptions } from './writePath/threadTurn';
export type { Queryable } from './writePath/queryable';
export { canAutoCreate, doorEnvironment, effectiveEnvironment } from './writePath/writeDecision';
export type { ProvisioningPolicyLike } from './writePath/writeDecision';
export { foreignKeyViolation, isUnavailable, lockTimedOut, runDatabase, runDatabaseWrite, toPersistenceError } from './writePath/databaseErrors';
export { decodeValue as decodeState, encodeValue as encodeState } from './stateCodec';
export { unstorableText } from './storableText';
export { createTelemetry, METRIC_NAMES } from './writePath/telemetry';
// Group commit, shared by the doors that batch fast-path writes (the service, the LangGraph saver).
export { GroupCommit } from './groupCommit';
export type { GroupCommitOptions, GroupCommitStatements } from './groupCommit';
export type { Door, SaveStatus, Telemetry, WritePathKind } from './writePath/telemetry';

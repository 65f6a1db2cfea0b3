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
  IdempotencyConflictError,
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
export type { StatePersistenceErrorCode } from './errors';
// What the service's options take, from the write path it writes through.
export { createTelemetry, DEFAULT_REFERENCE_RULES, MissingReferenceRuleError } from '@agentstate/write-path';
export type { ProvisioningPolicyLike, ReferenceRule, Telemetry } from '@agentstate/write-path';

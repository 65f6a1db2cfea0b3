export { createStatePersistence } from './service';
export type { StatePersistence } from './service';
export type {
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
  UnknownReferenceError,
  UnknownUserError,
} from './errors';
export { DEFAULT_REFERENCE_RULES, MissingReferenceRuleError } from './references';
export type { ReferenceRule } from './references';
export type { StatePersistenceErrorCode } from './errors';
export type { AuditEvent, AuditOutcome } from './audit';
export { decodeValue as decodeState, encodeValue as encodeState } from './stateCodec';

/**
 * The service's own errors (sizes, snapshots, cursors); the ones every door
 * shares come from the write path and are re-exported here, so the service's
 * modules and its callers import every error from one place.
 */
import { StatePersistenceError } from '@agentstate/write-path';

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
} from '@agentstate/write-path';
export type { StatePersistenceErrorCode } from '@agentstate/write-path';

export class StateTooLargeError extends StatePersistenceError {
  constructor(
    readonly field: 'state' | 'metadata',
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super('STATE_TOO_LARGE', `${field} is ${bytes} bytes once encoded, over the limit of ${limitBytes} bytes. Store large blobs elsewhere and keep a reference in the state, or raise maxStateBytes.`);
  }
}

export class SnapshotNotFoundError extends StatePersistenceError {
  constructor(
    readonly snapshotId: string,
    detail = '',
  ) {
    super('SNAPSHOT_NOT_FOUND', `Snapshot "${snapshotId}" does not exist${detail}.`);
  }
}

export class InvalidCursorError extends StatePersistenceError {
  constructor(reason: string) {
    super('INVALID_CURSOR', `Invalid cursor: ${reason}. Pass back the nextCursor of the previous page unchanged, with the same filters.`);
  }
}

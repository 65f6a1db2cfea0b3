import { ConcurrentWriteError, InvalidInputError, StatePersistenceError } from '@agentstate/write-path';

/**
 * A checkpoint has no owner: `config.configurable.user_id` is absent and the
 * saver has no `defaultUserId` (nor was it scoped with `forUser`). Nothing was
 * read or written: checkpoints are never filed under a silent shared user.
 */
export class MissingOwnerError extends StatePersistenceError {
  constructor(readonly operation: string) {
    super(
      'MISSING_OWNER',
      `${operation}: no owner for this checkpoint. Pass config.configurable.user_id (LangGraph passes the caller's configurable through), ` +
        'create the saver with defaultUserId, or use saver.forUser(userId).',
    );
  }
}

/**
 * forkPolicy 'reject': the checkpoint being put continues `expectedParentId`
 * (config.configurable.checkpoint_id), but the thread's latest checkpoint in
 * that namespace is another one (a concurrent writer got there first, or the
 * caller continued an old checkpoint). Nothing was written. A
 * ConcurrentWriteError (code CONCURRENT_WRITE), so one catch covers both doors.
 */
export class StaleCheckpointError extends ConcurrentWriteError {
  constructor(
    threadId: string,
    readonly checkpointNs: string,
    expectedParentId: string | null,
    actualLatestId: string | null,
  ) {
    super(threadId, expectedParentId, actualLatestId);
    this.message =
      `Thread "${threadId}"${checkpointNs === '' ? '' : ` (namespace "${checkpointNs}")`} moved on: this checkpoint continues ${expectedParentId ?? '(none: empty thread)'}, ` +
      `but the latest checkpoint is ${actualLatestId ?? '(none)'}. Nothing was written. Reload the latest state (getTuple) and run again, ` +
      "or pass configurable.fork_policy = 'allow' to fork on purpose.";
  }
}

/**
 * The parent chain of a thread loops back on itself (a checkpoint is its own
 * ancestor). LangGraph never writes one; only puts with crafted ids can. A
 * delta channel cannot be rebuilt from such a chain, so the read fails rather
 * than answer a value made of the loop's writes. Code INVALID_INPUT (the
 * stored chain is what was invalid), reason code CHECKPOINT_CYCLE.
 */
export class CheckpointCycleError extends InvalidInputError {
  constructor(
    readonly threadId: string,
    readonly checkpointNs: string,
    readonly checkpointId: string,
  ) {
    super(
      'parent_checkpoint_id',
      `thread "${threadId}"${checkpointNs === '' ? '' : ` (namespace "${checkpointNs}")`}: checkpoint ${checkpointId} is its own ancestor; its delta channels cannot be rebuilt`,
      'CHECKPOINT_CYCLE',
    );
  }
}

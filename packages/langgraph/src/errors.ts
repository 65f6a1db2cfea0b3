import { ConcurrentWriteError, StatePersistenceError } from '@agentstate/write-path';

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

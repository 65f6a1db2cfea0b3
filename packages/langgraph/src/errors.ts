import { StatePersistenceError } from '@agentstate/state-persistence';

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

/**
 * 2. The original fix: look the user up, insert it if missing, then insert the
 * snapshot, each statement on its own (autocommit). For our schema the thread
 * row is ensured the same way (SELECT, INSERT if missing), so it writes what
 * saveSnapshot writes except the audit row (the original fix had none).
 * Measured for brand-new users: every op is a first save.
 */
import { stateFor } from '../payloads';
import type { Contender } from '../measure';
import { RAW_INSERT_SQL } from './rawInsert';
import { THREAD, type SaveContext } from './types';

export function checkThenCreate({ backend, payload, nextId }: SaveContext): Contender {
  const { sql } = backend;
  return {
    id: 'check-then-create',
    label: '2 check-then-create, new user',
    async op({ index }) {
      const userId = `ctc-${nextId()}`;
      if ((await sql.query('SELECT 1 FROM userbase WHERE id = $1', [userId])).length === 0) {
        await sql.query("INSERT INTO userbase (id, email, role, auto_provisioned) VALUES ($1, $2, 'developer', true)", [
          userId,
          `${userId}@auto-provisioned.invalid`,
        ]);
      }
      if ((await sql.query('SELECT 1 FROM agent_threads WHERE user_id = $1 AND id = $2', [userId, THREAD])).length === 0) {
        await sql.query('INSERT INTO agent_threads (user_id, id, auto_provisioned) VALUES ($1, $2, true)', [userId, THREAD]);
      }
      await sql.query(RAW_INSERT_SQL, [userId, THREAD, `r-${index}`, JSON.stringify(stateFor(payload, index))]);
    },
  };
}

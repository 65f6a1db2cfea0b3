/**
 * 2. The original fix: look the user up, insert it if missing, then insert the
 * snapshot. For our schema the thread row is ensured the same way (SELECT,
 * INSERT if missing), so it writes what saveSnapshot writes except the audit
 * row (the original fix had none). Measured for brand-new users: every op is
 * a first save. Two variants, both shown:
 *
 * - `check-then-create`: as the original fix ran, each statement on its own
 *   (autocommit, unnamed statements): 5 round trips, 3 commits;
 * - `check-then-create-tx`: the fair seed baseline, what a careful hand-written
 *   version would do: BEGIN; SELECT user; INSERT user; SELECT thread; INSERT
 *   thread; INSERT snapshot; COMMIT on one connection (one commit), with named
 *   prepared statements as the service uses (on PGlite: Prisma's interactive
 *   transaction over its raw API, which has no named statements).
 */
import type { SqlRunner } from '../clients';
import { stateFor } from '../payloads';
import { RAW_INSERT_SQL } from './rawInsert';
import { THREAD, type SaveContender, type SaveContext } from './types';

async function checkThenCreateOnce(sql: SqlRunner, userId: string, runId: string, stateJson: string, prepared: boolean): Promise<void> {
  const options = { prepared };
  if ((await sql.query('SELECT 1 FROM userbase WHERE id = $1', [userId], options)).length === 0) {
    await sql.query("INSERT INTO userbase (id, email, role, auto_provisioned) VALUES ($1, $2, 'developer', true)", [userId, `${userId}@auto-provisioned.invalid`], options);
  }
  if ((await sql.query('SELECT 1 FROM agent_threads WHERE user_id = $1 AND id = $2', [userId, THREAD], options)).length === 0) {
    await sql.query('INSERT INTO agent_threads (user_id, id, auto_provisioned) VALUES ($1, $2, true)', [userId, THREAD], options);
  }
  await sql.query(RAW_INSERT_SQL, [userId, THREAD, runId, stateJson], options);
}

export function checkThenCreate({ backend, payload, nextId }: SaveContext): SaveContender {
  return {
    id: 'check-then-create',
    label: '2 check-then-create, autocommit (3 commits), new user',
    storedIn: { tables: 'agent_state_snapshots', userPrefix: 'ctc-' },
    async op({ index }) {
      await checkThenCreateOnce(backend.sql, `ctc-${nextId()}`, `r-${index}`, JSON.stringify(stateFor(payload, index)), false);
    },
  };
}

export function checkThenCreateTransaction({ backend, payload, nextId }: SaveContext): SaveContender {
  const pg = backend.sql.via === 'pg';
  return {
    id: 'check-then-create-tx',
    label: `2t check-then-create, 1 transaction (${pg ? 'pg, named prepared' : 'Prisma $transaction'}), new user`,
    storedIn: { tables: 'agent_state_snapshots', userPrefix: 'ctctx-' },
    async op({ index }) {
      const userId = `ctctx-${nextId()}`;
      const stateJson = JSON.stringify(stateFor(payload, index));
      await backend.sql.transaction((tx) => checkThenCreateOnce(tx, userId, `r-${index}`, stateJson, pg));
    },
  };
}

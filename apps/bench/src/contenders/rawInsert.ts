/**
 * 1. The floor: one parameterized INSERT of one durable row, user and thread
 * created in setup. The state is serialized per op (every contender pays that).
 */
import { stateFor } from '../payloads';
import type { Contender } from '../measure';
import { ensureUsersWithThread, userOf } from './fixtures';
import { THREAD, type SaveContext } from './types';

export const RAW_INSERT_SQL = 'INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, state) VALUES ($1, $2, $3, $4::jsonb)';

export function rawInsert({ backend, payload }: SaveContext): Contender {
  const prefix = 'bench-raw';
  return {
    id: 'raw-insert',
    label: `1 raw INSERT (${backend.sql.via === 'pg' ? 'pg' : 'Prisma $queryRawUnsafe'})`,
    setup: (concurrency) => ensureUsersWithThread(backend.sql, prefix, concurrency),
    async op({ worker, index }) {
      await backend.sql.query(RAW_INSERT_SQL, [userOf(prefix, worker), THREAD, `r-${index}`, JSON.stringify(stateFor(payload, index))]);
    },
  };
}

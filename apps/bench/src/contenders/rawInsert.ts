/**
 * 1. The floor: one parameterized INSERT of one durable row, user and thread
 * created in setup. The state is serialized per op (every contender pays that).
 * Two statement forms, both shown: pg's unnamed statement (parsed and planned
 * on every call) and a named prepared statement (parsed once per connection,
 * as the service sends its saves), so the floor is not flattered by a
 * per-call parse the service does not pay.
 *
 * Y. The yardstick: the same prepared INSERT into the bench's own copy of
 * today's table layout (yardstick.ts), which does not follow later storage
 * changes of agent_state_snapshots. Every save scenario's baseline, and the
 * "raw INSERT into today's table" of the targets.
 */
import { stateFor } from '../payloads';
import { YARDSTICK_TABLE } from '../yardstick';
import { ensureUsersWithThread, userOf } from './fixtures';
import { THREAD, type SaveContender, type SaveContext } from './types';

export const RAW_INSERT_SQL = 'INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, state) VALUES ($1, $2, $3, $4::jsonb)';
export const YARDSTICK_INSERT_SQL = `INSERT INTO ${YARDSTICK_TABLE} (user_id, thread_id, run_id, state) VALUES ($1, $2, $3, $4::jsonb)`;

function insertContender(
  { backend, payload }: SaveContext,
  spec: { id: string; label: string; prefix: string; sql: string; table: 'agent_state_snapshots' | 'bench_yardstick_snapshots'; prepared: boolean },
): SaveContender {
  return {
    id: spec.id,
    label: spec.label,
    storedIn: { tables: spec.table, userPrefix: `${spec.prefix}-` },
    setup: (concurrency) => ensureUsersWithThread(backend.sql, spec.prefix, concurrency),
    async op({ worker, index }) {
      await backend.sql.query(spec.sql, [userOf(spec.prefix, worker), THREAD, `r-${index}`, JSON.stringify(stateFor(payload, index))], { prepared: spec.prepared });
    },
  };
}

/** Named prepared on pg; on PGlite Prisma's raw API (no named statements there). */
export function yardstickInsert(context: SaveContext): SaveContender {
  const pg = context.backend.sql.via === 'pg';
  return insertContender(context, {
    id: 'yardstick-insert',
    label: `Y raw INSERT, today's table layout (yardstick; ${pg ? 'pg, named prepared' : 'Prisma $queryRawUnsafe'})`,
    prefix: 'bench-yard',
    sql: YARDSTICK_INSERT_SQL,
    table: YARDSTICK_TABLE,
    prepared: pg,
  });
}

export function rawInsert(context: SaveContext): SaveContender {
  return insertContender(context, {
    id: 'raw-insert',
    label: `1 raw INSERT (${context.backend.sql.via === 'pg' ? 'pg, unnamed statement' : 'Prisma $queryRawUnsafe'})`,
    prefix: 'bench-raw',
    sql: RAW_INSERT_SQL,
    table: 'agent_state_snapshots',
    prepared: false,
  });
}

/** pg only. */
export function rawInsertPrepared(context: SaveContext): SaveContender {
  return insertContender(context, {
    id: 'raw-insert-prepared',
    label: '1p raw INSERT (pg, named prepared)',
    prefix: 'bench-rawprep',
    sql: RAW_INSERT_SQL,
    table: 'agent_state_snapshots',
    prepared: true,
  });
}

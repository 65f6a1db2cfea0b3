/**
 * A profiling row (not a contender), measured interleaved with the others:
 * D2, the raw floor's INSERT sent through Prisma's raw API, i.e. Prisma's own
 * client cost per query. It is why the service sends its single-statement
 * saves on the pg pool under Prisma's adapter (`sql: db.sql`). D3, the
 * service's own steady statement sent raw, named prepared as the service sends
 * it by default (metadata column, RETURNING id and created_at, which a save
 * must answer with): what bounds a steady save, as
 * opposed to the raw floor, which stores less and returns nothing. (The other
 * diagnostics of the first profiling round, copies of the service's SQL and a
 * proposed faster save, were retired once the service adopted the proposal.)
 */
import { stateFor } from '../payloads';
import { ensureUsersWithThread, userOf } from './fixtures';
import { RAW_INSERT_SQL } from './rawInsert';
import { THREAD, type SaveContender, type SaveContext } from './types';

export function rawInsertViaPrisma({ backend, payload }: SaveContext): SaveContender {
  const prefix = 'bench-diag-prisma';
  return {
    id: 'diag-raw-insert-prisma',
    label: 'D2 raw INSERT via Prisma $executeRaw',
    diagnostic: true,
    storedIn: { tables: 'agent_state_snapshots', userPrefix: `${prefix}-` },
    setup: (concurrency) => ensureUsersWithThread(backend.sql, prefix, concurrency),
    async op({ worker, index }) {
      await backend.prisma.$executeRawUnsafe(RAW_INSERT_SQL, userOf(prefix, worker), THREAD, `r-${index}`, JSON.stringify(stateFor(payload, index)));
    },
  };
}

/** The steady save's exact statement text (snapshotWrites.ts insertSnapshot, no parent), sent raw. */
export const SERVICE_STEADY_SQL =
  'INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, state, metadata) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb) RETURNING id::text AS id, (extract(epoch FROM created_at) * 1000)::int8::text AS created_ms';

export function rawServiceStatement({ backend, payload }: SaveContext): SaveContender {
  const prefix = 'bench-diag-returning';
  return {
    id: 'diag-raw-insert-returning',
    label: "D3 raw INSERT, the service's statement (metadata, RETURNING; pg, named prepared)",
    diagnostic: true,
    storedIn: { tables: 'agent_state_snapshots', userPrefix: `${prefix}-` },
    setup: (concurrency) => ensureUsersWithThread(backend.sql, prefix, concurrency),
    async op({ worker, index }) {
      await backend.sql.query(SERVICE_STEADY_SQL, [userOf(prefix, worker), THREAD, `r-${index}`, JSON.stringify(stateFor(payload, index)), '{}'], { prepared: true });
    },
  };
}

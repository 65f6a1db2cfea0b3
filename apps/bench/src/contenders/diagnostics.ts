/**
 * Profiling rows (not contenders) that split the gap between saveSnapshot and
 * the floors into its parts, measured interleaved with the others:
 *  - D1 the service's steady-state SQL sent through pg: the cost of its SQL
 *    shape (INSERT … SELECT … WHERE parent-valid … RETURNING) without Prisma
 *    or the service's JavaScript;
 *  - D2 the raw floor's INSERT sent through Prisma's raw API: Prisma's own cost per query;
 *  - D5 the service's first-save statement (user + audit + thread + snapshot
 *    CTEs) sent through pg: the floor of contender 5.
 */
import { stateFor } from '../payloads';
import type { Contender } from '../measure';
import { ensureUsersWithThread, userOf } from './fixtures';
import { RAW_INSERT_SQL } from './rawInsert';
import { THREAD, type SaveContext } from './types';

/**
 * Copied from packages/state-persistence/src/snapshotWrites.ts (insertSnapshot,
 * steady-state path) as Prisma sends it; the round-trip profile checks that it
 * still matches what the service sends and flags it when it does not.
 */
export const SERVICE_STEADY_SQL = `INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, parent_id, state, metadata)
    SELECT $1, $2, $3, $4::uuid, $5::jsonb, $6::jsonb
    WHERE ($7::uuid IS NULL OR EXISTS (
    SELECT 1 FROM agent_state_snapshots p WHERE p.id = $8::uuid AND p.user_id = $9 AND p.thread_id = $10))
    RETURNING id::text AS id, created_at`;

/** Likewise insertSnapshotWithReferences for a new dev user (user, audit row, thread, snapshot in one statement). */
export const SERVICE_FIRST_SAVE_SQL = `WITH valid AS (SELECT ($1::uuid IS NULL OR EXISTS (
    SELECT 1 FROM agent_state_snapshots p WHERE p.id = $2::uuid AND p.user_id = $3 AND p.thread_id = $4)) AS ok),
ref_0 AS (
      INSERT INTO "userbase" ("email","role","auto_provisioned","id")
      SELECT $5,$6,$7,$8 FROM valid WHERE valid.ok
      ON CONFLICT DO NOTHING
      RETURNING 1),
audit AS (
        INSERT INTO user_provisioning_audit (entity, subject_id, outcome, decision, reason_code, reason, environment)
        SELECT $9, $10, CASE WHEN EXISTS (SELECT 1 FROM ref_0) THEN 'created' ELSE 'already-existed' END,
               $11, $12, $13, $14
        FROM valid WHERE valid.ok
        RETURNING outcome),
ref_1 AS (
      INSERT INTO "agent_threads" ("auto_provisioned","user_id","id")
      SELECT $15,$16,$17 FROM valid WHERE valid.ok
      ON CONFLICT DO NOTHING
      RETURNING 1),
snapshot AS (
    INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, parent_id, state, metadata)
    SELECT $18, $19, $20, $21::uuid, $22::jsonb, $23::jsonb
    FROM valid WHERE valid.ok
    RETURNING id::text AS id, created_at) SELECT snapshot.*, (SELECT outcome FROM audit) AS provisioning FROM snapshot`;

export function serviceSqlViaPg({ backend, payload }: SaveContext): Contender {
  const prefix = 'bench-diag-sql';
  return {
    id: 'diag-service-sql-pg',
    label: "D1 service's INSERT SQL via pg",
    diagnostic: true,
    setup: (concurrency) => ensureUsersWithThread(backend.sql, prefix, concurrency),
    async op({ worker, index }) {
      const userId = userOf(prefix, worker);
      const rows = await backend.sql.query(SERVICE_STEADY_SQL, [userId, THREAD, `r-${index}`, null, JSON.stringify(stateFor(payload, index)), '{}', null, null, userId, THREAD]);
      if (rows.length !== 1) throw new Error('diagnostic insert wrote nothing');
    },
  };
}

export function rawInsertViaPrisma({ backend, payload }: SaveContext): Contender {
  const prefix = 'bench-diag-prisma';
  return {
    id: 'diag-raw-insert-prisma',
    label: 'D2 raw INSERT via Prisma $executeRaw',
    diagnostic: true,
    setup: (concurrency) => ensureUsersWithThread(backend.sql, prefix, concurrency),
    async op({ worker, index }) {
      await backend.prisma.$executeRawUnsafe(RAW_INSERT_SQL, userOf(prefix, worker), THREAD, `r-${index}`, JSON.stringify(stateFor(payload, index)));
    },
  };
}

export function firstSaveSqlViaPg({ backend, payload, nextId }: SaveContext): Contender {
  return {
    id: 'diag-first-save-sql-pg',
    label: "D5 service's first-save SQL via pg",
    diagnostic: true,
    async op({ index }) {
      const userId = `dev-temp-d5-${nextId()}`;
      const rows = await backend.sql.query<{ provisioning: string }>(SERVICE_FIRST_SAVE_SQL, [
        null, null, userId, THREAD,
        `${userId}@auto-provisioned.invalid`, 'developer', true, userId,
        'User', userId, 'create-if-missing', 'DEV_TEMP_PREFIX', 'id starts with "dev-temp-": auto-created in development and test', 'development',
        true, userId, THREAD,
        userId, THREAD, `r-${index}`, null, JSON.stringify(stateFor(payload, index)), '{}',
      ]);
      if (rows[0]?.provisioning !== 'created') throw new Error('diagnostic first save did not create the user');
    },
  };
}

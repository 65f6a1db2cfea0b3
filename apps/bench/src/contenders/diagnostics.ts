/**
 * A profiling row (not a contender), measured interleaved with the others:
 * D2, the raw floor's INSERT sent through Prisma's raw API, i.e. Prisma's own
 * client cost per query. It is why the service sends its single-statement
 * saves on the pg pool under Prisma's adapter (`sql: db.sql`). D3, the
 * service's own steady statement sent raw, named prepared as the service sends
 * it by default (metadata column, RETURNING id and created_at, which a save
 * must answer with): what bounds a steady save, as
 * opposed to the raw floor, which stores less and returns nothing. D5, the
 * service's first-save statement (user, thread, audit row and snapshot in one)
 * sent raw in the same way: what bounds a first save. (The other
 * diagnostics of the first profiling round, copies of the service's SQL and a
 * proposed faster save, were retired once the service adopted the proposal.)
 */
import type { SqlRunner as DbSqlRunner } from '@agentstate/db';
import { silentLogger } from '@agentstate/logger';
import { createStatePersistence } from '@agentstate/state-persistence';
import type { Backend } from '../clients';
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

/** A first save's one statement as the service sends it: its text, its values, and where the user id and the state sit in them. */
interface CapturedStatement {
  text: string;
  values: readonly unknown[];
  userId: string;
  stateIndex: number;
}

/** Runs one real first save through a service whose SQL runner records what it sends (on the bench's pg pool). */
async function captureFirstSave(backend: Backend, userId: string): Promise<CapturedStatement> {
  const sent: Array<{ text: string; values: readonly unknown[] }> = [];
  const recording: DbSqlRunner = {
    query<Row>(text: string, values: readonly unknown[], options?: { prepare?: boolean }) {
      sent.push({ text, values });
      return backend.sql.query<Row>(text, [...values], { prepared: options?.prepare === true });
    },
  };
  const service = createStatePersistence({ prisma: backend.prisma, sql: recording, environment: 'development', logger: silentLogger, groupCommit: false });
  const state = { captured: true };
  const result = await service.saveSnapshot({ userId, threadId: THREAD, runId: 'capture', state });
  const statement = sent.find((s) => s.text.trimStart().startsWith('WITH'));
  if (result.status !== 'saved' || result.provisioning !== 'created' || !statement || sent.length !== 1) throw new Error('D5: expected one first-save statement');
  const stateIndex = statement.values.indexOf(JSON.stringify(state));
  if (stateIndex < 0) throw new Error('D5: the state is not among the statement values');
  return { text: statement.text, values: statement.values, userId, stateIndex };
}

export function rawFirstSaveStatement({ backend, payload, nextId }: SaveContext): SaveContender {
  const prefix = 'dev-temp-diag-first';
  let captured: CapturedStatement | undefined;
  return {
    id: 'diag-raw-first-save',
    label: "D5 raw first-save statement, the service's (user, thread, audit row, snapshot; pg, named prepared)",
    diagnostic: true,
    storedIn: { tables: 'agent_state_snapshots', userPrefix: `${prefix}-` },
    async setup() {
      captured = await captureFirstSave(backend, `${prefix}-capture-${nextId()}`);
    },
    async op({ index }) {
      const { text, values, userId, stateIndex } = captured as CapturedStatement;
      // a brand-new user every time, wherever the statement carries its id (key, e-mail, audit subject and reason)
      const newUser = `${prefix}-${nextId()}`;
      const fresh = values.map((v) => (typeof v === 'string' ? v.replaceAll(userId, newUser) : v));
      fresh[stateIndex] = JSON.stringify(stateFor(payload, index));
      const rows = await backend.sql.query<{ ensure_user_created: boolean | null }>(text, fresh, { prepared: true });
      if (rows[0]?.ensure_user_created !== true) throw new Error('D5: the statement did not create the user');
    },
  };
}

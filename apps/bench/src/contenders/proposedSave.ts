/**
 * Diagnostics for the suggested service change (see the report): the
 * steady-state save with the same SQL as today, but
 *  (a) a fast state encoder: one JSON.stringify with a replacer doing the
 *      codec's type checks and tagging, plus one regex over the output for NUL
 *      and lone surrogates; anything unusual falls back to today's encoder
 *      (which also names the offending path), and
 *  (b) no decode of what was just written: the returned snapshot carries the
 *      caller's state (today fromWrite JSON-parses and re-walks stateJson).
 * D3 sends it through Prisma's $queryRaw (keeping Prisma), D4 through pg.
 * Setup checks that the fast encoder produces exactly encodeState's JSON for
 * the benchmark states, so both write the same bytes as the service.
 */
import { Prisma } from '@agentstate/db';
import { encodeState } from '@agentstate/state-persistence';
import { stateFor } from '../payloads';
import type { Contender } from '../measure';
import { SERVICE_STEADY_SQL } from './diagnostics';
import { ensureUsersWithThread, userOf } from './fixtures';
import { THREAD, type SaveContext } from './types';

const TAG = '$t';
// JSON.stringify escapes U+0000 and lone surrogates (well-formed JSON.stringify), so one scan of the output finds them.
// Any such escape (or the literal text "\\u0000", "\\ud800") sends the value down the slow path, which decides.
const UNSTORABLE = /\\u0000|\\ud[89a-f]/i;

class Unsupported extends Error {}

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key]; // before toJSON (Dates arrive here already as strings)
  switch (typeof original) {
    case 'number':
      if (!Number.isFinite(original)) throw new Unsupported();
      return value;
    case 'bigint':
      return { [TAG]: 'BigInt', v: original.toString() };
    case 'undefined':
      return { [TAG]: 'undefined' };
    case 'function':
    case 'symbol':
      throw new Unsupported();
    case 'object': {
      if (original === null || Array.isArray(original)) return value;
      if (original instanceof Date) {
        if (Number.isNaN(original.getTime())) throw new Unsupported();
        return { [TAG]: 'Date', v: value };
      }
      if (original instanceof Map) return { [TAG]: 'Map', v: [...original.entries()] };
      if (original instanceof Set) return { [TAG]: 'Set', v: [...original.values()] };
      const proto = Object.getPrototypeOf(original) as unknown;
      if ((proto !== Object.prototype && proto !== null) || Object.getOwnPropertySymbols(original).length > 0) throw new Unsupported();
      // Escaping a user object that has its own "$t" key is left to the slow path (rare).
      if (Object.prototype.hasOwnProperty.call(original, TAG)) throw new Unsupported();
      return value;
    }
    default:
      return value;
  }
}

/** encodeState's JSON, fast; falls back to encodeState (which also names the offending path) for anything unusual. */
export function fastEncodeState(value: unknown): string {
  try {
    const json = JSON.stringify({ v: value }, replacer).slice(5, -1); // wrapped so the root goes through the replacer too
    if (!UNSTORABLE.test(json)) return json;
  } catch {
    // cycles, unsupported values: the slow path decides and explains
  }
  return encodeState(value, 'state', 1024 * 1024).json;
}

interface WrittenRow {
  id: string;
  created_at: Date;
}

function proposed({ backend, payload }: SaveContext, via: 'prisma' | 'pg'): Contender {
  const prefix = `bench-proposed-${via}`;
  return {
    id: `diag-proposed-${via}`,
    label: via === 'prisma' ? 'D3 proposed save, via Prisma $queryRaw' : 'D4 proposed save, via pg',
    diagnostic: true,
    async setup(concurrency) {
      for (const state of payload.variants) {
        if (fastEncodeState(state) !== encodeState(state, 'state', 1024 * 1024).json) throw new Error('fast encoder differs from encodeState');
      }
      await ensureUsersWithThread(backend.sql, prefix, concurrency);
    },
    async op({ worker, index }) {
      const state = stateFor(payload, index);
      const userId = userOf(prefix, worker);
      const runId = `r-${index}`;
      const parentId: string | null = null;
      const stateJson = fastEncodeState(state);
      const rows =
        via === 'pg'
          ? await backend.sql.query<WrittenRow>(SERVICE_STEADY_SQL, [userId, THREAD, runId, parentId, stateJson, '{}', parentId, parentId, userId, THREAD])
          : await backend.prisma.$queryRaw<WrittenRow[]>`
              INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, parent_id, state, metadata)
              SELECT ${userId}, ${THREAD}, ${runId}, ${parentId}::uuid, ${stateJson}::jsonb, ${'{}'}::jsonb
              WHERE ${Prisma.sql`(${parentId}::uuid IS NULL OR EXISTS (
                SELECT 1 FROM agent_state_snapshots p WHERE p.id = ${parentId}::uuid AND p.user_id = ${userId} AND p.thread_id = ${THREAD}))`}
              RETURNING id::text AS id, created_at`;
      const row = rows[0];
      if (!row) throw new Error('proposed save wrote nothing');
      // The snapshot handed back: what the database assigned, the rest from the input (nothing decoded).
      void { id: row.id, userId, threadId: THREAD, runId, parentId, state, metadata: {}, createdAt: row.created_at };
    },
  };
}

export const proposedViaPrisma = (context: SaveContext) => proposed(context, 'prisma');
export const proposedViaPg = (context: SaveContext) => proposed(context, 'pg');

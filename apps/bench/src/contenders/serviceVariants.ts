/**
 * What one option of the service costs or buys, each measured beside the
 * default steady-state save (contender 4) in the same rounds:
 *  4u unnamed statements only (createPrismaClient({ preparedStatements: false }), as behind a transaction-mode pooler)
 *  4s group commit off (groupCommit: false): every save its own statement
 *  4o an OpenTelemetry SDK registered (metrics aggregated, spans batched, export dropped)
 *  4i idempotent saves: each with a caller-chosen id (its content digest computed, the
 *     statement's ON CONFLICT and join back), what making every save retry-safe costs
 * Each uses users of its own, created and saved once in setup, so every timed
 * save takes the plain-INSERT path, like contender 4.
 */
import { randomUUID } from 'node:crypto';
import type { StatePersistence } from '@agentstate/state-persistence';
import type { Backend } from '../clients';
import { stateFor } from '../payloads';
import { ensureUsersWithThread, userOf } from './fixtures';
import { THREAD, type SaveContender, type SaveContext } from './types';

function steadyVariant(id: string, label: string, prefix: string, pick: (backend: Backend) => StatePersistence | null, idempotent = false) {
  return ({ backend, payload }: SaveContext): SaveContender => {
    const service = pick(backend);
    if (!service) throw new Error(`${id} needs PostgreSQL`);
    const save = async (worker: number, index: number) => {
      const result = await service.saveSnapshot({ ...(idempotent ? { id: randomUUID() } : {}), userId: userOf(prefix, worker), threadId: THREAD, runId: `r-${index}`, state: stateFor(payload, index) });
      if (result.status !== 'saved') throw new Error(`${id}: save was ${result.status}`);
    };
    return {
      id,
      label,
      storedIn: { tables: 'agent_state_snapshots', userPrefix: `${prefix}-` },
      async setup(concurrency) {
        await ensureUsersWithThread(backend.sql, prefix, concurrency);
        for (let worker = 0; worker < concurrency; worker++) await save(worker, -1 - worker);
      },
      op: ({ worker, index }) => save(worker, index),
    };
  };
}

export const serviceSteadyUnnamed = steadyVariant('service-steady-unnamed', '4u saveSnapshot, steady, unnamed statements', 'bench-unnamed', (b) => b.variants.unnamed);
export const serviceSteadySingle = steadyVariant('service-steady-single', '4s saveSnapshot, steady, group commit off', 'bench-single', (b) => b.variants.singleStatement);
export const serviceSteadyTraced = steadyVariant('service-steady-otel', '4o saveSnapshot, steady, OpenTelemetry SDK registered', 'bench-otel', (b) => b.variants.traced);
export const serviceSteadyIdempotent = steadyVariant('service-steady-idempotent', '4i saveSnapshot, steady, idempotent (caller-chosen id)', 'bench-idem', (b) => b.service, true);

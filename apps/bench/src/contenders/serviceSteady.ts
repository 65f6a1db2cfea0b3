/**
 * 4. saveSnapshot in steady state: user and thread exist and this service
 * instance has already saved for them (setup does one save per client), so
 * every timed save takes the service's plain-INSERT path.
 */
import { stateFor } from '../payloads';
import { ensureUsersWithThread, userOf } from './fixtures';
import { THREAD, type SaveContender, type SaveContext } from './types';

export function serviceSteady({ backend, payload }: SaveContext): SaveContender {
  const prefix = 'bench-steady';
  const save = async (worker: number, index: number) => {
    const result = await backend.service.saveSnapshot({ userId: userOf(prefix, worker), threadId: THREAD, runId: `r-${index}`, state: stateFor(payload, index) });
    if (result.status !== 'saved') throw new Error(`steady-state save was ${result.status}`);
  };
  return {
    id: 'service-steady',
    label: '4 saveSnapshot, steady state',
    storedIn: { tables: 'agent_state_snapshots', userPrefix: `${prefix}-` },
    async setup(concurrency) {
      await ensureUsersWithThread(backend.sql, prefix, concurrency);
      for (let worker = 0; worker < concurrency; worker++) await save(worker, -1 - worker);
    },
    op: ({ worker, index }) => save(worker, index),
  };
}

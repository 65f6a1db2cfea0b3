/**
 * 5. saveSnapshot for a brand-new dev user every time (environment
 * 'development'): user, thread, audit row and snapshot in one statement.
 * Its statement goes named prepared, as by default on PostgreSQL (parsed and
 * planned once per connection). 5u: the same with unnamed statements only
 * (as behind a transaction-mode pooler): what parsing and planning it costs.
 */
import type { StatePersistence } from '@agentstate/state-persistence';
import type { Backend } from '../clients';
import { stateFor } from '../payloads';
import { THREAD, type SaveContender, type SaveContext } from './types';

function firstSave(id: string, label: string, pick: (backend: Backend) => StatePersistence | null) {
  return ({ backend, payload, nextId }: SaveContext): SaveContender => {
    const service = pick(backend);
    if (!service) throw new Error(`${id} needs PostgreSQL`);
    return {
      id,
      label,
      storedIn: { tables: 'agent_state_snapshots', userPrefix: `dev-temp-${id}-` },
      async op({ index }) {
        const result = await service.saveSnapshot({ userId: `dev-temp-${id}-${nextId()}`, threadId: THREAD, runId: `r-${index}`, state: stateFor(payload, index) });
        // Guards the benchmark itself: every timed op must really be a first save.
        if (result.status !== 'saved' || result.provisioning !== 'created') throw new Error(`expected a first save, got ${JSON.stringify(result.status)}`);
      },
    };
  };
}

export const serviceFirstSave = firstSave('service-first-save', '5 saveSnapshot, new dev user', (b) => b.service);
export const serviceFirstSaveUnnamed = firstSave('service-first-save-unnamed', '5u saveSnapshot, new dev user, unnamed statements', (b) => b.variants.unnamed);

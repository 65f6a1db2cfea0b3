/**
 * 5. saveSnapshot for a brand-new dev user every time (environment
 * 'development'): user, thread, audit row and snapshot in one statement.
 */
import { stateFor } from '../payloads';
import { THREAD, type SaveContender, type SaveContext } from './types';

export function serviceFirstSave({ backend, payload, nextId }: SaveContext): SaveContender {
  return {
    id: 'service-first-save',
    label: '5 saveSnapshot, new dev user',
    storedIn: { tables: 'agent_state_snapshots', userPrefix: 'dev-temp-' },
    async op({ index }) {
      const result = await backend.service.saveSnapshot({ userId: `dev-temp-${nextId()}`, threadId: THREAD, runId: `r-${index}`, state: stateFor(payload, index) });
      // Guards the benchmark itself: every timed op must really be a first save.
      if (result.status !== 'saved' || result.provisioning !== 'created') throw new Error(`expected a first save, got ${JSON.stringify(result.status)}`);
    },
  };
}

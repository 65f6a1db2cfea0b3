import { loadDataModel } from '@agentstate/db';
import { violatedReference } from './missingReferences';
import { planReferences } from './referencePlan';

const dataModel = loadDataModel();
const snapshotPlan = planReferences(dataModel, 'AgentStateSnapshot', ['userId', 'threadId']);

/** A foreign key violation as Prisma reports it under a driver adapter. */
const viaAdapter = (constraint: string) => ({ code: 'P2003', meta: { driverAdapterError: { cause: { kind: 'ForeignKeyConstraintViolation', constraint: { index: constraint } } } } });
/** The same, as pg reports it on the direct path. */
const viaPg = (constraint: string) => Object.assign(new Error('insert or update violates foreign key constraint'), { code: '23503', constraint });

describe('violatedReference (pure): which planned reference a foreign key violation is about', () => {
  it("names the written row's own reference by its constraint, from either driver", () => {
    for (const error of [viaAdapter('agent_state_snapshots_user_id_fkey'), viaPg('agent_state_snapshots_user_id_fkey')]) {
      expect(violatedReference(dataModel, snapshotPlan, error)?.field).toBe('user');
    }
    expect(violatedReference(dataModel, snapshotPlan, viaPg('agent_state_snapshots_user_id_thread_id_fkey'))?.field).toBe('thread');
  });

  it("maps a referenced row's own key (the thread's user, violated while the thread was created) to the write's reference to that model", () => {
    expect(violatedReference(dataModel, snapshotPlan, viaAdapter('agent_threads_user_id_fkey'))?.field).toBe('user');
  });

  it('answers null for a violation of no planned reference (the parent snapshot, an unknown constraint) and for any other error', () => {
    expect(violatedReference(dataModel, snapshotPlan, viaPg('agent_state_snapshots_parent_id_fkey'))).toBeNull();
    expect(violatedReference(dataModel, snapshotPlan, viaPg('no_such_fkey'))).toBeNull();
    expect(violatedReference(dataModel, snapshotPlan, Object.assign(new Error('duplicate key'), { code: '23505' }))).toBeNull();
  });
});

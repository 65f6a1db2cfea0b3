import { loadDataModel } from '@agentstate/db';
import { createProvisioningPolicy, type Environment } from '@agentstate/policy';
import { ensurePlan } from './ensurePlan';
import type { DecidedUser, PreparedWrite } from './prepareWrite';
import { planReferences } from './referencePlan';
import { decideWrite } from './writeDecision';

const snapshotPlan = planReferences(loadDataModel(), 'AgentStateSnapshot', ['userId', 'threadId']);
const policy = createProvisioningPolicy();

function row(environment: Environment, userId: string, threadId: string): PreparedWrite {
  const decided = decideWrite(policy, environment, userId, undefined);
  if (decided.kind === 'invalid') throw new Error('expected a valid id');
  return { plan: snapshotPlan, values: { userId, threadId }, decided: decided as DecidedUser };
}

describe('ensure plan (pure): what a cache-less writer sends', () => {
  it('creates a dev user once, with the policy defaults, its key and its created audit row, and each thread of the write once', () => {
    const plan = ensurePlan([row('development', 'dev-temp-a', 't1'), row('development', 'dev-temp-a', 't2'), row('development', 'dev-temp-a', 't1')]);
    expect(plan.check).toEqual([]);
    expect(plan.create.map((c) => [c.reference.field, c.values])).toEqual([
      ['user', { email: 'dev-temp-a@auto-provisioned.invalid', role: 'developer', auto_provisioned: true, id: 'dev-temp-a' }],
      ['thread', { auto_provisioned: true, user_id: 'dev-temp-a', id: 't1' }],
      ['thread', { auto_provisioned: true, user_id: 'dev-temp-a', id: 't2' }],
    ]);
    expect(plan.create[0]?.audit).toMatchObject({ subjectId: 'dev-temp-a', outcome: 'created', decision: 'create-if-missing', reasonCode: 'AUTO_CREATE_ALLOWED', environment: 'development' });
    expect(plan.create.slice(1).map((c) => c.audit)).toEqual([undefined, undefined]);
  });

  it('only checks a user the policy does not let this write create (a real id, a dev id outside development/test), still creating the thread', () => {
    for (const [environment, userId] of [['development', 'acct_1'], ['staging', 'dev-temp-a']] as const) {
      const plan = ensurePlan([row(environment, userId, 't1')]);
      expect(plan.check).toEqual([{ reference: snapshotPlan.required[0], key: { id: userId } }]);
      expect(plan.create.map((c) => [c.reference.field, c.values])).toEqual([['thread', { auto_provisioned: true, user_id: userId, id: 't1' }]]);
    }
  });

  it('key columns come from the written row and win over a default that names them', () => {
    const plan = planReferences(loadDataModel(), 'AgentStateSnapshot', ['userId', 'threadId'], {
      User: { kind: 'policy' },
      AgentThread: { kind: 'create-on-first-use', defaults: { id: 'not-this', autoProvisioned: false } },
    });
    const decided = decideWrite(policy, 'test', 'acct_2', undefined) as DecidedUser;
    const ensured = ensurePlan([{ plan, values: { userId: 'acct_2', threadId: 't9' }, decided }]);
    expect(ensured.create.map((c) => c.values)).toEqual([{ id: 't9', auto_provisioned: false, user_id: 'acct_2' }]);
  });
});

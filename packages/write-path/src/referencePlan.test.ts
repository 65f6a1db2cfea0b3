import { readFileSync } from 'node:fs';
import { loadDataModel, schemaPath } from '@agentstate/db';
import { MissingReferenceRuleError, modelsReferencingPolicyModels, planReferences } from './referencePlan';

const planSnapshotReferences = (dataModel: ReturnType<typeof loadDataModel>, rules?: Parameters<typeof planReferences>[3]) =>
  planReferences(dataModel, 'AgentStateSnapshot', ['userId', 'threadId'], rules);

describe('required references of a written model, from the data model', () => {
  const dataModel = loadDataModel();

  it('plans the user (decided by the policy) and the thread (created on first use)', () => {
    const plan = planSnapshotReferences(dataModel);
    expect(plan.required.map((r) => [r.field, r.referencedModel, r.referencedTable, r.rule.kind])).toEqual([
      ['user', 'User', 'userbase', 'policy'],
      ['thread', 'AgentThread', 'agent_threads', 'create-on-first-use'],
    ]);
    expect(plan.policyReference.referencedModel).toBe('User');
  });

  it('fails at start-up, with a clear message, when a required relation has no rule', () => {
    const attempt = () => planSnapshotReferences(dataModel, { User: { kind: 'policy' } });
    expect(attempt).toThrow(MissingReferenceRuleError);
    expect(attempt).toThrow(/required relation\(s\) with no provisioning rule: thread -> AgentThread.*'policy' \| 'create-on-first-use' \| 'must-exist'/s);
  });

  it('notices a new required relation added to the schema', () => {
    const schema = readFileSync(schemaPath(), 'utf8')
      .replace('model AgentThread {', 'model Workspace {\n  id String @id\n  snapshots AgentStateSnapshot[]\n}\n\nmodel AgentThread {')
      .replace('  threadId  String   @map("thread_id")', '  workspaceId String\n  workspace Workspace @relation(fields: [workspaceId], references: [id])\n  threadId  String   @map("thread_id")');
    const extended = loadDataModel(schema);
    expect(() => planSnapshotReferences(extended)).toThrow(/workspace -> Workspace/);
    // declaring it is not enough when the service cannot fill its foreign key
    expect(() =>
      planSnapshotReferences(extended, { User: { kind: 'policy' }, AgentThread: { kind: 'create-on-first-use' }, Workspace: { kind: 'must-exist' } }),
    ).toThrow(/workspace use foreign key fields the writer does not fill/);
  });

  it('finds every model with a required relation to a policy-decided model (what the Prisma extension guards)', () => {
    expect(modelsReferencingPolicyModels(dataModel).sort()).toEqual(['AgentCheckpoint', 'AgentCheckpointBlob', 'AgentCheckpointWrite', 'AgentStateElement', 'AgentStateElementLog', 'AgentStateSnapshot', 'AgentThread']);
  });
});

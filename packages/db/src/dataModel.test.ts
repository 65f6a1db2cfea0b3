import { loadDataModel } from './dataModel';

describe("Prisma's data model at runtime", () => {
  const model = loadDataModel();

  it('knows tables and columns from @@map/@map', () => {
    expect(model.models.get('User')?.table).toBe('userbase');
    expect(model.models.get('AgentStateSnapshot')?.fields.find((f) => f.name === 'userId')?.column).toBe('user_id');
  });

  it("lists every reference a snapshot holds, required or not, with Prisma Migrate's constraint names", () => {
    const refs = model.references.get('AgentStateSnapshot') ?? [];
    expect(refs.map((r) => [r.field, r.referencedModel, r.required, r.constraint])).toEqual([
      ['user', 'User', true, 'agent_state_snapshots_user_id_fkey'],
      ['thread', 'AgentThread', true, 'agent_state_snapshots_user_id_thread_id_fkey'],
      ['parent', 'AgentStateSnapshot', false, 'agent_state_snapshots_parent_id_fkey'],
    ]);
    expect(refs[1]!.keys).toEqual([
      { from: 'userId', fromColumn: 'user_id', to: 'userId', toColumn: 'user_id' },
      { from: 'threadId', fromColumn: 'thread_id', to: 'id', toColumn: 'id' },
    ]);
    expect(model.byConstraint.get('agent_threads_user_id_fkey')?.referencedModel).toBe('User');
  });
});

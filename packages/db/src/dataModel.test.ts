import { defaultDataModel, loadDataModel } from './dataModel';

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

  it('gives each reference its relation name and referential actions, with Prisma\'s defaults where the schema says none', () => {
    const refs = model.references.get('AgentStateSnapshot') ?? [];
    expect(refs.map((r) => [r.field, r.relationName, r.onDelete, r.onUpdate])).toEqual([
      ['user', 'AgentStateSnapshotToUser', 'Cascade', 'Cascade'],
      ['thread', 'AgentStateSnapshotToAgentThread', 'Cascade', 'Cascade'],
      ['parent', 'SnapshotLineage', 'SetNull', 'Cascade'],
    ]);
    expect(model.models.get('AgentStateSnapshot')?.fields.find((f) => f.name === 'children')?.relationName).toBe('SnapshotLineage');
    const bare = loadDataModel(
      [
        'datasource db {\n  provider = "postgresql"\n}',
        'model A {\n  id String @id\n  bs B[]\n  cs C[]\n}',
        'model B {\n  id String @id\n  aId String\n  a A @relation(fields: [aId], references: [id])\n}',
        'model C {\n  id String @id\n  aId String?\n  a A? @relation(fields: [aId], references: [id])\n}',
      ].join('\n'),
    );
    expect([...bare.references.values()].flat().map((r) => [r.model, r.onDelete, r.onUpdate])).toEqual([
      ['B', 'Restrict', 'Cascade'],
      ['C', 'SetNull', 'Cascade'],
    ]);
  });

  it('defaultDataModel parses the schema once per process: every door gets the same model', () => {
    expect(defaultDataModel()).toBe(defaultDataModel());
    expect([...defaultDataModel().references.keys()]).toEqual([...model.references.keys()]);
  });
});

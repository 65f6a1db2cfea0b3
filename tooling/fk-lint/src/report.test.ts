import type { Finding } from './findFkWrites';
import { formatFinding, hintFor } from './report';
import type { RequiredRelation } from './schemaModel';

const user: RequiredRelation = { field: 'user', referencedModel: 'User', fkFields: ['userId'], referencedFields: ['id'] };

describe('formatFinding', () => {
  it('prints file:line:col, the model call, the FK and a connect hint', () => {
    const finding: Finding = { file: '/r/a.ts', line: 3, column: 7, model: 'AgentStateSnapshot', method: 'create', field: 'userId', relation: user, call: { line: 2, column: 1 } };
    expect(formatFinding(finding, 'a.ts')).toBe(
      "a.ts:3:7  AgentStateSnapshot.create sets FK scalar 'userId' of required relation 'user' -> User; " +
        "hint: use `user: { connect: { id } }` instead, or save through @agentstate/state-persistence's saveSnapshot, " +
        'which provisions references per policy',
    );
  });
});

describe('hintFor', () => {
  it('points *Many methods, which cannot connect, at the single-row method', () => {
    expect(hintFor('createMany', user)).toBe(
      "createMany cannot connect relations; use create with `user: { connect: { id } }` per row, or save through @agentstate/state-persistence's saveSnapshot, which provisions references per policy",
    );
    expect(hintFor('updateMany', user).startsWith('updateMany cannot connect relations; use update with')).toBe(true);
  });

  it('lists every referenced field of a composite key', () => {
    const team: RequiredRelation = { field: 'team', referencedModel: 'Team', fkFields: ['orgId', 'teamCode'], referencedFields: ['orgId', 'code'] };
    expect(hintFor('upsert', team).startsWith('use `team: { connect: { orgId, code } }` instead')).toBe(true);
  });
});

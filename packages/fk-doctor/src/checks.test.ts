import { loadDataModel } from '@agentstate/db';
import { AGE_BUCKETS, ageBucketCutoffs, classifyConstraint, computeVerdict, expectedForeignKeys, findConstraint, windowStart } from './checks';
import type { ExpectedForeignKey, ForeignKeyCheck, FoundForeignKey } from './types';

const THREAD_FK: ExpectedForeignKey = {
  constraint: 'agent_state_snapshots_user_id_thread_id_fkey',
  model: 'AgentStateSnapshot',
  field: 'thread',
  required: true,
  table: 'agent_state_snapshots',
  columns: ['user_id', 'thread_id'],
  referencedTable: 'agent_threads',
  referencedColumns: ['user_id', 'id'],
  onDelete: 'CASCADE',
  onUpdate: 'CASCADE',
};

const found = (overrides: Partial<FoundForeignKey> = {}): FoundForeignKey => ({
  constraint: THREAD_FK.constraint,
  table: THREAD_FK.table,
  columns: ['user_id', 'thread_id'],
  referencedTable: 'agent_threads',
  referencedColumns: ['user_id', 'id'],
  validated: true,
  onDelete: 'CASCADE',
  onUpdate: 'CASCADE',
  deferrable: false,
  match: 'SIMPLE',
  ...overrides,
});

describe('expectedForeignKeys', () => {
  it("lists every foreign key of Prisma's data model with tables and key columns", () => {
    expect(expectedForeignKeys(loadDataModel()).map((fk) => [fk.constraint, fk.table, fk.columns, fk.referencedTable, fk.referencedColumns, fk.required])).toEqual([
      ['agent_threads_user_id_fkey', 'agent_threads', ['user_id'], 'userbase', ['id'], true],
      ['agent_state_snapshots_user_id_fkey', 'agent_state_snapshots', ['user_id'], 'userbase', ['id'], true],
      ['agent_state_snapshots_user_id_thread_id_fkey', 'agent_state_snapshots', ['user_id', 'thread_id'], 'agent_threads', ['user_id', 'id'], true],
      ['agent_state_snapshots_parent_id_fkey', 'agent_state_snapshots', ['parent_id'], 'agent_state_snapshots', ['id'], false],
      ...['agent_state_elements', 'agent_state_element_logs', 'agent_checkpoints', 'agent_checkpoint_blobs', 'agent_checkpoint_writes'].flatMap((table) => [
        [`${table}_user_id_fkey`, table, ['user_id'], 'userbase', ['id'], true],
        [`${table}_user_id_thread_id_fkey`, table, ['user_id', 'thread_id'], 'agent_threads', ['user_id', 'id'], true],
      ]),
    ]);
  });
});

describe('classifyConstraint', () => {
  it('ok when present with the same key and validated', () => {
    expect(classifyConstraint(THREAD_FK, found())).toEqual({ state: 'ok', differences: [] });
  });

  it('missing when there is no constraint of that name', () => {
    expect(classifyConstraint(THREAD_FK, undefined)).toEqual({ state: 'missing', differences: [] });
  });

  it('not-valid when present but never validated', () => {
    expect(classifyConstraint(THREAD_FK, found({ validated: false }))).toEqual({ state: 'not-valid', differences: [] });
  });

  it('treats the same column pairs in another order as the same key', () => {
    expect(classifyConstraint(THREAD_FK, found({ columns: ['thread_id', 'user_id'], referencedColumns: ['id', 'user_id'] })).state).toBe('ok');
  });

  it('mismatch, with what differs, for other column pairs or another referenced table (even when NOT VALID)', () => {
    expect(classifyConstraint(THREAD_FK, found({ columns: ['thread_id', 'user_id'] }))).toEqual({
      state: 'mismatch',
      differences: ['key (thread_id, user_id) -> (user_id, id), expected (user_id, thread_id) -> (user_id, id)'],
    });
    expect(classifyConstraint(THREAD_FK, found({ referencedTable: 'agent_threads_old', validated: false }))).toEqual({
      state: 'mismatch',
      differences: ['references table agent_threads_old, expected agent_threads'],
    });
    expect(classifyConstraint(THREAD_FK, found({ columns: ['user_id'], referencedColumns: ['user_id'] })).differences).toEqual([
      'key (user_id) -> (user_id), expected (user_id, thread_id) -> (user_id, id)',
    ]);
  });
});

describe('classifyConstraint: the whole definition (issue 26, point 5)', () => {
  it('mismatch for other referential actions, a DEFERRABLE key or another match type', () => {
    expect(classifyConstraint(THREAD_FK, found({ onDelete: 'NO ACTION', onUpdate: 'NO ACTION' }))).toEqual({
      state: 'mismatch',
      differences: ['ON DELETE NO ACTION, expected CASCADE', 'ON UPDATE NO ACTION, expected CASCADE'],
    });
    expect(classifyConstraint(THREAD_FK, found({ deferrable: true, validated: false }))).toEqual({ state: 'mismatch', differences: ['DEFERRABLE, expected NOT DEFERRABLE'] });
    expect(classifyConstraint(THREAD_FK, found({ match: 'FULL' })).differences).toEqual(['MATCH FULL, expected MATCH SIMPLE']);
  });

  it("expects the schema's actions, Prisma's defaults where it says none", () => {
    const fks = expectedForeignKeys(loadDataModel());
    expect(fks.map((fk) => `${fk.constraint} ${fk.onDelete}/${fk.onUpdate}`)).toContain('agent_state_snapshots_parent_id_fkey SET NULL/CASCADE');
    expect(fks.filter((fk) => fk.required).every((fk) => fk.onDelete === 'CASCADE' && fk.onUpdate === 'CASCADE')).toBe(true);
  });
});

describe('findConstraint: by definition, not by name (issue 26, point 5)', () => {
  it('finds the key under another name', () => {
    const renamed = found({ constraint: 'snapshots_thread_fk' });
    expect(findConstraint(THREAD_FK, [found({ constraint: 'other', table: 'agent_threads' }), renamed])).toBe(renamed);
    expect(classifyConstraint(THREAD_FK, renamed).state).toBe('ok');
  });

  it('prefers the right definition, then a validated one, then the expected name', () => {
    const wrongAction = found({ onDelete: 'RESTRICT' });
    const rightButNotValid = found({ constraint: 'b', validated: false });
    const right = found({ constraint: 'c' });
    expect(findConstraint(THREAD_FK, [wrongAction, rightButNotValid, right])).toBe(right);
    expect(findConstraint(THREAD_FK, [wrongAction, rightButNotValid])).toBe(rightButNotValid);
    expect(findConstraint(THREAD_FK, [wrongAction])).toBe(wrongAction);
  });

  it('falls back to the expected name when no constraint enforces the key (a mismatch), else nothing (missing)', () => {
    const named = found({ columns: ['thread_id'], referencedColumns: ['id'] });
    expect(findConstraint(THREAD_FK, [named])).toBe(named);
    expect(findConstraint(THREAD_FK, [found({ constraint: 'x', referencedTable: 'userbase' })])).toBeUndefined();
    expect(findConstraint(THREAD_FK, [found({ table: 'agent_checkpoints' })])).toBeUndefined();
  });
});

describe('age buckets and the refusal window', () => {
  const now = new Date('2026-06-15T12:00:00.000Z');

  it('cuts at 1, 7 and 30 days before now, one cutoff fewer than buckets', () => {
    expect(AGE_BUCKETS.map((b) => b.label)).toEqual(['< 1 day', '1-7 days', '7-30 days', '> 30 days']);
    expect(ageBucketCutoffs(now).map((d) => d.toISOString())).toEqual(['2026-06-14T12:00:00.000Z', '2026-06-08T12:00:00.000Z', '2026-05-16T12:00:00.000Z']);
  });

  it('starts the refusal window `days` days before now', () => {
    expect(windowStart(now, 7).toISOString()).toBe('2026-06-08T12:00:00.000Z');
    expect(windowStart(now, 1).toISOString()).toBe('2026-06-14T12:00:00.000Z');
  });
});

describe('computeVerdict', () => {
  const check = (constraint: string, state: ForeignKeyCheck['state'], orphanRows = 0): ForeignKeyCheck => ({
    ...THREAD_FK,
    constraint,
    state,
    foundConstraint: state === 'missing' ? null : constraint,
    differences: [],
    orphans: { rows: orphanRows, keys: orphanRows > 0 ? 1 : 0, examples: [] },
  });

  it('is healthy when every foreign key is ok without orphans', () => {
    expect(computeVerdict([check('a', 'ok'), check('b', 'ok')])).toEqual({ healthy: true, problems: [], line: 'fk:doctor: healthy' });
    expect(computeVerdict([]).healthy).toBe(true);
  });

  it('counts a missing key and its orphans as two problems', () => {
    expect(computeVerdict([check('a', 'ok'), check('b', 'missing', 12)])).toEqual({
      healthy: false,
      problems: [
        { kind: 'missing', constraint: 'b' },
        { kind: 'orphans', constraint: 'b', rows: 12 },
      ],
      line: 'fk:doctor: 2 problems (1 foreign key missing, 12 orphan rows)',
    });
  });

  it('flags orphans under a valid constraint too, and names every kind of problem', () => {
    expect(computeVerdict([check('a', 'ok', 1)]).line).toBe('fk:doctor: 1 problem (1 orphan row)');
    expect(computeVerdict([check('a', 'missing'), check('b', 'missing'), check('c', 'not-valid', 3), check('d', 'mismatch', 2)]).line).toBe(
      'fk:doctor: 6 problems (2 foreign keys missing, 1 foreign key NOT VALID, 1 foreign key different from the schema, 5 orphan rows)',
    );
  });
});

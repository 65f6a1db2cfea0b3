import { loadDataModel } from '@agentstate/db';
import { silentLogger } from '@agentstate/logger';
import { createProvisioningPolicy } from '@agentstate/policy';
import { createWritePath } from '@agentstate/write-path';
import { requiredKeyFields, rowKeyValues, rowsOf } from './rowKeys';

const dataModel = loadDataModel();
// Plans only: no statement is ever sent here.
const writePath = createWritePath({ dataModel, policy: createProvisioningPolicy(), environment: 'test', logger: silentLogger, direct: { rows: async () => [] }, door: 'prisma-extension' });
const snapshotPlan = writePath.plan('AgentStateSnapshot', ['userId', 'threadId']);
const threadPlan = writePath.plan('AgentThread', ['userId']);

describe('rowsOf', () => {
  it('finds the created rows of each guarded operation', () => {
    expect(rowsOf('create', { data: { a: 1 } })).toEqual([{ a: 1 }]);
    expect(rowsOf('createMany', { data: [{ a: 1 }, { a: 2 }] })).toEqual([{ a: 1 }, { a: 2 }]);
    expect(rowsOf('createManyAndReturn', { data: { a: 1 } })).toEqual([{ a: 1 }]);
    expect(rowsOf('upsert', { where: {}, create: { a: 1 }, update: { a: 2 } })).toEqual([{ a: 1 }]);
    expect(rowsOf('createMany', { data: [] })).toEqual([]);
  });
});

describe('rowKeyValues', () => {
  it('reads the scalar form', () => {
    expect(rowKeyValues(snapshotPlan, { userId: 'u', threadId: 't', runId: 'r' })).toEqual({ userId: 'u', threadId: 't' });
  });

  it('reads the connect form, the compound thread key included', () => {
    expect(rowKeyValues(snapshotPlan, { user: { connect: { id: 'u' } }, thread: { connect: { userId_id: { userId: 'u', id: 't' } } } })).toEqual({ userId: 'u', threadId: 't' });
    expect(rowKeyValues(threadPlan, { id: 't', user: { connect: { id: 'u' } } })).toEqual({ userId: 'u' });
  });

  it('gives null (Prisma decides alone) for forms it does not handle', () => {
    expect(rowKeyValues(threadPlan, { id: 't', user: { create: { id: 'u', email: 'e' } } })).toBeNull();
    expect(rowKeyValues(threadPlan, { id: 't', user: { connectOrCreate: { where: { id: 'u' }, create: { id: 'u', email: 'e' } } } })).toBeNull();
    expect(rowKeyValues(threadPlan, { id: 't', user: { connect: { email: 'e' } } })).toBeNull();
    expect(rowKeyValues(snapshotPlan, { user: { connect: { id: 'u' } }, thread: { create: { id: 't' } } })).toBeNull();
    expect(rowKeyValues(snapshotPlan, null)).toBeNull();
  });

  it('passes values through as given (the write path validates them)', () => {
    expect(rowKeyValues(threadPlan, { id: 't', userId: 42 })).toEqual({ userId: 42 });
  });
});

describe('requiredKeyFields', () => {
  it('lists the foreign key fields of the required references, once each', () => {
    expect(requiredKeyFields(dataModel.references.get('AgentStateSnapshot') ?? []).sort()).toEqual(['threadId', 'userId']);
    expect(requiredKeyFields(dataModel.references.get('AgentThread') ?? [])).toEqual(['userId']);
  });
});

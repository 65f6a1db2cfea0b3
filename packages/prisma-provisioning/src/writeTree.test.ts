import { loadDataModel } from '@agentstate/db';
import { DEFAULT_REFERENCE_RULES } from '@agentstate/write-path';
import { readWrite, rowsToFind, whereValues, writeSchema, type WriteOperation } from './writeTree';

const schema = writeSchema(loadDataModel(), DEFAULT_REFERENCE_RULES);
const read = (model: string, operation: WriteOperation, args: unknown) => {
  const found = readWrite(schema, model, operation, args);
  return {
    users: found.users.map((u) => [u.value, u.path]),
    identifiers: found.identifiers.map((i) => [`${i.model}.${i.field}`, i.value, i.path]),
    needed: rowsToFind(found).map((r) => [r.model, r.key]),
  };
};

/** What a snapshot created for user u in thread t (given by `thread: { connect }` at `prefix`) names and needs. */
const snapshotInThread = (prefix: string) => ({
  users: [['u', `${prefix}thread.connect.userId_id.userId`]],
  identifiers: [['AgentThread.id', 't', `${prefix}thread.connect.userId_id.id`]],
  needed: [
    ['User', { id: 'u' }],
    ['AgentThread', { userId: 'u', id: 't' }],
  ],
});

describe('writeSchema', () => {
  it('knows which fields hold a user id or a thread id, through the foreign keys', () => {
    const ids = (model: string) => Object.fromEntries([...(schema.models.get(model)?.ids ?? [])].map(([field, root]) => [field, `${root.model}.${root.field}`]));
    expect(schema).toMatchObject({ policyModel: 'User', policyKey: 'id' });
    expect(ids('User')).toEqual({ id: 'User.id' });
    expect(ids('AgentThread')).toEqual({ userId: 'User.id', id: 'AgentThread.id' });
    expect(ids('AgentStateSnapshot')).toEqual({ userId: 'User.id', threadId: 'AgentThread.id' });
    expect(ids('AgentCheckpointWrite')).toEqual({ userId: 'User.id', threadId: 'AgentThread.id' });
    expect(ids('UserProvisioningAudit')).toEqual({});
  });

  it('pairs both sides of every relation, the self-relation of snapshot lineage included', () => {
    const snapshot = schema.models.get('AgentStateSnapshot');
    expect(snapshot?.relations.get('parent')?.owning?.field).toBe('parent');
    expect(snapshot?.relations.get('children')?.back?.field).toBe('parent');
    expect(schema.models.get('User')?.relations.get('threads')?.back).toMatchObject({ model: 'AgentThread', field: 'user' });
  });
});

describe('whereValues', () => {
  it('flattens compound keys and keeps only equalities', () => {
    const thread = schema.models.get('AgentThread')!;
    expect(whereValues(thread, { userId_id: { userId: 'u', id: 't' } })).toEqual({ userId: 'u', id: 't' });
    expect(whereValues(thread, { userId: { equals: 'u' }, id: { in: ['a'] }, OR: [{ id: 'x' }], NOT: { id: 'y' } })).toEqual({ userId: 'u' });
  });
});

describe('readWrite', () => {
  it('top-level create, scalar and connect forms: the user, the thread id and the rows pointed at', () => {
    expect(read('AgentStateSnapshot', 'create', { data: { userId: 'u', threadId: 't', runId: 'r', state: { userId: 'not-an-id' } } })).toEqual({
      users: [['u', 'userId']],
      identifiers: [['AgentThread.id', 't', 'threadId']],
      needed: [
        ['User', { id: 'u' }],
        ['AgentThread', { userId: 'u', id: 't' }],
      ],
    });
    expect(read('AgentStateSnapshot', 'create', { data: { user: { connect: { id: 'u' } }, thread: { connect: { userId_id: { userId: 'u', id: 't' } } } } })).toEqual(
      snapshotInThread(''),
    );
  });

  it('a thread’s own id, in a create, an upsert’s branches and a rename', () => {
    expect(read('AgentThread', 'create', { data: { id: 'bad id', userId: 'dev-temp-x' } }).identifiers).toEqual([['AgentThread.id', 'bad id', 'id']]);
    expect(read('AgentThread', 'upsert', { where: { userId_id: { userId: 'u', id: 'a' } }, create: { id: 'a', userId: 'u' }, update: { id: { set: 'b' } } }).identifiers).toEqual([
      ['AgentThread.id', 'a', 'create.id'],
      ['AgentThread.id', 'b', 'update.id'],
    ]);
  });

  it('an update names only what it writes: a moved thread’s new user, not the row’s where', () => {
    expect(read('AgentThread', 'update', { where: { userId_id: { userId: 'old', id: 't' } }, data: { autoProvisioned: true } })).toEqual({ users: [], identifiers: [], needed: [] });
    expect(read('AgentThread', 'update', { where: { userId_id: { userId: 'old', id: 't' } }, data: { userId: 'new' } })).toEqual({
      users: [['new', 'userId']],
      identifiers: [],
      needed: [['User', { id: 'new' }]],
    });
    // a snapshot moved to another thread of its user: the thread key takes the user from the where
    expect(read('AgentStateSnapshot', 'updateMany', { where: { userId: 'u' }, data: { threadId: 't2' } })).toEqual({
      users: [],
      identifiers: [['AgentThread.id', 't2', 'threadId']],
      needed: [['AgentThread', { userId: 'u', id: 't2' }]],
    });
  });

  it('a nested connectOrCreate of a user: the user it may create and the one it connects, neither of them needed', () => {
    const coc = { connectOrCreate: { where: { id: 'dev-temp-coc' }, create: { id: 'dev-temp-coc', email: 'e' } } };
    expect(read('AgentThread', 'update', { where: { userId_id: { userId: 'acct', id: 't' } }, data: { user: coc } })).toEqual({
      users: [
        ['dev-temp-coc', 'user.connectOrCreate.create.id'],
        ['dev-temp-coc', 'user.connectOrCreate.where.id'],
      ],
      identifiers: [],
      needed: [],
    });
  });

  it('nested upsert and update of the related user: its create and a rename are users the write creates', () => {
    expect(read('AgentThread', 'update', { where: { userId_id: { userId: 'a', id: 't' } }, data: { user: { upsert: { create: { id: 'c', email: 'e' }, update: { id: 'r' } } } } }).users).toEqual([
      ['c', 'user.upsert.create.id'],
      ['r', 'user.upsert.update.id'],
      ['c', 'user.upsert.create.id'],
    ]);
    expect(read('AgentThread', 'update', { where: { userId_id: { userId: 'a', id: 't' } }, data: { user: { update: { data: { id: 'r2' } } } } }).users).toEqual([['r2', 'user.update.id']]);
  });

  it('rows created under a parent get its key (named where the key is written); rows created in the same write are not needed', () => {
    expect(
      read('User', 'create', {
        data: { id: 'u', email: 'e', threads: { create: [{ id: 't1', snapshots: { create: { runId: 'r', state: {} } } }, { id: 't2' }] } },
      }),
    ).toEqual({
      users: [
        ['u', 'id'], // the snapshot under t1
        ['u', 'id'], // t1
        ['u', 'id'], // t2
        ['u', 'id'], // the user itself
      ],
      identifiers: [
        ['AgentThread.id', 't1', 'threads.create[0].id'], // the snapshot's threadId
        ['AgentThread.id', 't1', 'threads.create[0].id'],
        ['AgentThread.id', 't2', 'threads.create[1].id'],
      ],
      needed: [],
    });
  });

  it('an updated parent’s key comes from its where: a nested snapshot needs the user and its thread', () => {
    // the same findings as the top-level create of that snapshot, one level down
    expect(read('User', 'update', { where: { id: 'u' }, data: { snapshots: { create: { runId: 'r', state: {}, thread: { connect: { userId_id: { userId: 'u', id: 't' } } } } } } })).toEqual(
      snapshotInThread('snapshots.create.'),
    );
  });

  it('connect on a list relation moves rows to the parent: its user is named, the rows are needed (their own key is only looked up)', () => {
    expect(read('User', 'update', { where: { id: 'u' }, data: { threads: { connect: [{ userId_id: { userId: 'v', id: 't' } }], set: [] } } })).toEqual({
      users: [['u', 'threads']],
      identifiers: [],
      needed: [
        ['User', { id: 'u' }],
        ['AgentThread', { userId: 'v', id: 't' }],
      ],
    });
  });

  it('createMany rows, top-level and nested', () => {
    expect(read('User', 'createMany', { data: [{ id: 'a', email: 'a' }, { id: 'b', email: 'b' }] }).users).toEqual([
      ['a', '[0].id'],
      ['b', '[1].id'],
    ]);
    expect(read('User', 'update', { where: { id: 'u' }, data: { threads: { createMany: { data: [{ id: 'x' }] } } } }).identifiers).toEqual([
      ['AgentThread.id', 'x', 'threads.createMany.data[0].id'],
    ]);
  });

  it('ignores models and arguments it does not know', () => {
    expect(read('Nope', 'create', { data: { id: 'x' } })).toEqual({ users: [], identifiers: [], needed: [] });
    expect(read('User', 'update', null)).toEqual({ users: [], identifiers: [], needed: [] });
    expect(read('UserProvisioningAudit', 'create', { data: { subjectId: 'dev-temp-x' } })).toEqual({ users: [], identifiers: [], needed: [] });
  });
});

import { countAllRows, describeEachDatabase } from '@agentstate/db/testing';
import { InvalidInputError, ProvisioningRefusedError, SnapshotNotFoundError, UnknownUserError } from './errors';
import { flushLogs, serviceFor, unique } from './testing/fixtures';

describeEachDatabase('saveSnapshot', (db) => {
  it('fixes the original bug: plain Prisma fails with P2003, the service saves and creates the dev user', async () => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    await expect(
      // fk-lint-disable-next-line -- the bug, reproduced on purpose
      prisma.agentStateSnapshot.create({ data: { userId, threadId: 't', runId: 'r', state: {} } }),
    ).rejects.toMatchObject({ code: 'P2003' });

    const { service } = serviceFor(db(), 'development');
    const result = await service.saveSnapshot({ userId, threadId: 'thread-1', runId: 'run-1', state: { step: 1 } });
    expect(result).toMatchObject({ status: 'saved', provisioning: 'created', snapshot: { userId, threadId: 'thread-1', runId: 'run-1', state: { step: 1 }, parentId: null } });
    expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(1);
  });

  it('auto-creates a dev user once, with the safe defaults, and audits it (row + JSON log line)', async () => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    const { service, lines } = serviceFor(db(), 'development');
    const first = await service.saveSnapshot({ userId, threadId: 't', runId: 'r1', state: { n: 1 } });
    const second = await service.saveSnapshot({ userId, threadId: 't', runId: 'r1', state: { n: 2 } });
    expect(first).toMatchObject({ status: 'saved', provisioning: 'created' });
    // reported the same whether or not this service remembers the user (the cache never changes an outcome)
    expect(second).toMatchObject({ status: 'saved', provisioning: 'already-existed' });

    const user = await prisma.user.findUniqueOrThrow({ where: { id: userId } });
    expect(user).toMatchObject({ role: 'developer', autoProvisioned: true, email: `${userId}@auto-provisioned.invalid` });
    expect(await prisma.user.count({ where: { id: userId } })).toBe(1);

    const audit = await prisma.userProvisioningAudit.findMany({ where: { subjectId: userId } });
    expect(audit).toEqual([
      expect.objectContaining({ entity: 'User', outcome: 'created', decision: 'create-if-missing', reasonCode: 'AUTO_CREATE_ALLOWED', environment: 'development' }),
    ]);
    await flushLogs();
    const logged = lines.filter((l) => l.message === 'user.provisioning' && l.userId === userId);
    expect(logged).toEqual([
      expect.objectContaining({ level: 'info', event: 'user.provisioning', outcome: 'created', decision: 'create-if-missing', reasonCode: 'AUTO_CREATE_ALLOWED', environment: 'development' }),
      // finding an existing row is not an event: a debug line, no audit row
      expect.objectContaining({ level: 'debug', event: 'user.provisioning', outcome: 'already-existed' }),
    ]);
    expect(typeof logged[0]!.reason).toBe('string');
  });

  it('answers with the id and createdAt the database stored, on the ensure, single and grouped statements', async () => {
    const userId = unique('dev-temp-');
    const { service } = serviceFor(db(), 'development');
    const first = await service.saveSnapshot({ userId, threadId: 't', runId: 'r0', state: { n: 0 } });
    const alone = await service.saveSnapshot({ userId, threadId: 't', runId: 'r1', state: { n: 1 } });
    // concurrent saves of known references share one statement (group commit)
    const grouped = await Promise.all([2, 3, 4, 5, 6].map((n) => service.saveSnapshot({ userId, threadId: 't', runId: `r${n}`, state: { n } })));
    for (const result of [first, alone, ...grouped]) {
      if (result.status !== 'saved') throw new Error(`expected saved, got ${result.status}`);
      const stored = await service.getSnapshot({ userId, id: result.snapshot.id });
      expect(result.snapshot.createdAt).toBeInstanceOf(Date);
      expect(result.snapshot.createdAt.toISOString()).toBe(stored.createdAt.toISOString());
    }
  });

  it('auto-creates test- users with the tester role', async () => {
    const { prisma } = db();
    const userId = unique('test-');
    const { service } = serviceFor(db(), 'test');
    await expect(service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: [] })).resolves.toMatchObject({ status: 'saved', provisioning: 'created' });
    expect(await prisma.user.findUniqueOrThrow({ where: { id: userId } })).toMatchObject({ role: 'tester', autoProvisioned: true });
  });

  it('never re-creates or modifies an existing user', async () => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    const existing = await prisma.user.create({ data: { id: userId, email: `${userId}@company.example`, role: 'admin', autoProvisioned: false } });
    const { service } = serviceFor(db(), 'development');
    const result = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: {} });
    expect(result).toMatchObject({ status: 'saved', provisioning: 'already-existed' });
    expect(await prisma.user.findUniqueOrThrow({ where: { id: userId } })).toEqual(existing);
  });

  it('saves for an existing production user in production, without touching the user', async () => {
    const { prisma } = db();
    const userId = unique('acct_');
    const existing = await prisma.user.create({ data: { id: userId, email: `${userId}@company.example` } });
    const { service } = serviceFor(db(), 'production');
    await expect(service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { ok: true } })).resolves.toMatchObject({ status: 'saved', provisioning: null });
    expect(await prisma.user.findUniqueOrThrow({ where: { id: userId } })).toEqual(existing);
  });

  it('skips ephemeral run_ saves: nothing is written anywhere', async () => {
    const { prisma } = db();
    const { service, lines } = serviceFor(db(), 'development');
    const before = await countAllRows(prisma);
    const userId = unique('dev-temp-');
    const result = await service.saveSnapshot({ userId, threadId: 't', runId: 'run_abc', state: { x: 1 } });
    expect(result).toEqual({ status: 'skipped', code: 'EPHEMERAL_RUN', reason: expect.any(String) });
    expect(result).not.toHaveProperty('snapshot');
    expect(await countAllRows(prisma)).toEqual(before);
    await flushLogs();
    expect(lines).toContainEqual(expect.objectContaining({ message: 'user.provisioning', outcome: 'skipped', userId }));
  });

  it('refuses a dev-temp- id in production with a clear error and an audit row, creating nothing', async () => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    const { service, lines } = serviceFor(db(), 'production');
    const error = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisioningRefusedError);
    expect(error).toMatchObject({ code: 'PROVISIONING_REFUSED', reasonCode: 'DEV_ID_IN_PRODUCTION', subjectId: userId });
    expect((error as Error).message).toContain(userId);
    expect(await prisma.user.count({ where: { id: userId } })).toBe(0);
    expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(0);
    expect(await prisma.userProvisioningAudit.findMany({ where: { subjectId: userId } })).toEqual([
      expect.objectContaining({ outcome: 'refused', decision: 'reject', reasonCode: 'DEV_ID_IN_PRODUCTION', environment: 'production' }),
    ]);
    await flushLogs();
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', outcome: 'refused', userId }));
  });

  it.each(['staging', 'unknown'] as const)('never auto-creates in %s: unknown dev user -> UnknownUserError', async (environment) => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    const { service } = serviceFor(db(), environment);
    const error = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownUserError);
    expect(await prisma.user.count({ where: { id: userId } })).toBe(0);
  });

  it('turns a missing production user into UnknownUserError naming the id and the fix, never a raw P2003', async () => {
    const { prisma } = db();
    const userId = unique('acct_');
    const { service } = serviceFor(db(), 'production');
    const error = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownUserError);
    expect(error).toMatchObject({ code: 'UNKNOWN_USER', userId, reasonCode: 'NO_AUTO_CREATE_RULE' });
    expect((error as Error).message).toMatch(/does not exist.*Create the user first/s);
    expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(0);
    expect(await prisma.userProvisioningAudit.findMany({ where: { subjectId: userId } })).toEqual([
      expect.objectContaining({ outcome: 'refused', decision: 'require-existing', reasonCode: 'USER_NOT_FOUND' }),
    ]);
  });

  it('recreates a dev user that was deleted after the service had seen it', async () => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    const { service } = serviceFor(db(), 'development');
    await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 1 });
    await prisma.user.delete({ where: { id: userId } });
    await expect(service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 2 })).resolves.toMatchObject({ status: 'saved', provisioning: 'created' });
  });

  it('50 parallel first saves for one new dev user all succeed and create exactly one user row', async () => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    const { service } = serviceFor(db(), 'development');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { i } })));
    expect(results.every((r) => r.status === 'saved')).toBe(true);
    expect(await prisma.user.count({ where: { id: userId } })).toBe(1);
    expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(50);
    const outcomes = await prisma.userProvisioningAudit.groupBy({ by: ['outcome'], where: { subjectId: userId }, _count: true });
    expect(outcomes.find((o) => o.outcome === 'created')?._count).toBe(1);
  });

  it('rejects a parent from another thread, and an unknown parent, writing nothing', async () => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    const { service } = serviceFor(db(), 'development');
    const saved = await service.saveSnapshot({ userId, threadId: 'a', runId: 'r', state: 1 });
    if (saved.status !== 'saved') throw new Error('expected saved');
    const before = await countAllRows(prisma);
    await expect(service.saveSnapshot({ userId, threadId: 'b', runId: 'r', state: 2, parentId: saved.snapshot.id })).rejects.toBeInstanceOf(SnapshotNotFoundError);
    await expect(service.saveSnapshot({ userId, threadId: 'a', runId: 'r', state: 2, parentId: '00000000-0000-4000-8000-000000000000' })).rejects.toBeInstanceOf(SnapshotNotFoundError);
    const newUser = unique('dev-temp-');
    await expect(service.saveSnapshot({ userId: newUser, threadId: 'a', runId: 'r', state: 2, parentId: saved.snapshot.id })).rejects.toBeInstanceOf(SnapshotNotFoundError);
    expect(await countAllRows(prisma)).toEqual(before);
  });

  it('leaves every table unchanged on bad input, with typed errors', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db(), 'development', { maxStateBytes: 1024 });
    const good = { userId: unique('dev-temp-'), threadId: 't', runId: 'r', state: {} };
    const cycle: Record<string, unknown> = {};
    cycle.me = cycle;
    const bad: Array<[string, unknown, string]> = [
      ['empty user id', { ...good, userId: '' }, 'INVALID_INPUT'],
      ['user id with NUL', { ...good, userId: 'dev-temp-a\u0000b' }, 'INVALID_INPUT'],
      ['SQL-looking user id', { ...good, userId: "dev-temp-x'; DROP TABLE userbase; --" }, 'INVALID_INPUT'],
      ['missing threadId', { ...good, threadId: undefined }, 'INVALID_INPUT'],
      ['numeric runId', { ...good, runId: 42 }, 'INVALID_INPUT'],
      ['function in state', { ...good, state: { f: () => 1 } }, 'STATE_NOT_SERIALIZABLE'],
      ['cycle in state', { ...good, state: cycle }, 'STATE_NOT_SERIALIZABLE'],
      ['state over the limit', { ...good, state: 'x'.repeat(2000) }, 'STATE_TOO_LARGE'],
      ['metadata not an object', { ...good, metadata: [1] }, 'INVALID_INPUT'],
      ['malformed parentId', { ...good, parentId: 'nope' }, 'INVALID_INPUT'],
      ['unknown option', { ...good, userID: 'typo' }, 'INVALID_INPUT'],
      ['not an object', 'save me', 'INVALID_INPUT'],
    ];
    const before = await countAllRows(prisma);
    for (const [name, input, code] of bad) {
      const error = await service.saveSnapshot(input as never).catch((e: unknown) => e);
      expect([name, error]).toEqual([name, expect.objectContaining({ code })]);
    }
    expect(await countAllRows(prisma)).toEqual(before);
    const invalid = await service.saveSnapshot({ ...good, userId: ' test-x' }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidInputError);
    expect(invalid).toMatchObject({ field: 'userId', reasonCode: 'INVALID_ID_WHITESPACE' });
  });

  it('round-trips Date, BigInt, Map and Set state through the database', async () => {
    const { service } = serviceFor(db(), 'development');
    const state = { at: new Date('2026-11-26T10:00:00.123Z'), tokens: 9007199254740993n, seen: new Set(['a', 'b']), memo: new Map([[1, { deep: [new Date(0)] }]]) };
    const userId = unique('dev-temp-');
    const saved = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state, metadata: { model: 'x', $t: 'kept' } });
    if (saved.status !== 'saved') throw new Error('expected saved');
    expect(saved.snapshot.state).toEqual(state);
    const read = await service.getSnapshot<typeof state>({ userId, id: saved.snapshot.id });
    expect(read.state).toEqual(state);
    expect(read.state.seen).toBeInstanceOf(Set);
    expect(read.metadata).toEqual({ model: 'x', $t: 'kept' });
  });
});

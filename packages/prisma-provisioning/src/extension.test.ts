import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@agentstate/db';
import { countAllRows, describeEachDatabase, describePostgres } from '@agentstate/db/testing';
import { createMemoryLogger } from '@agentstate/logger';
import type { Environment } from '@agentstate/policy';
import { InvalidInputError, ProvisioningRefusedError, UnknownUserError } from '@agentstate/write-path';
import { referenceProvisioning, WriteSkippedByPolicyError } from './index';

const unique = (prefix: string) => `${prefix}${randomBytes(5).toString('hex')}`;
const flushLogs = () => new Promise((resolve) => setImmediate(resolve));

/** The extended client over `base`, with a memory logger and a count of every statement sent (writes and raw). */
function extend(base: PrismaClient, environment: Environment) {
  const { logger, lines } = createMemoryLogger({ level: 'debug' });
  const statements = { count: 0 };
  const counted = base.$extends({
    query: {
      async $allOperations({ args, query }) {
        statements.count++;
        return query(args);
      },
    },
  });
  const prisma = counted.$extends(referenceProvisioning({ environment, logger }));
  return { prisma, lines, statements };
}

const snapshotScalar = (userId: string, threadId = 't1') => ({ userId, threadId, runId: 'r1', state: { step: 1 } });
const snapshotConnect = (userId: string, threadId = 't1') => ({
  runId: 'r1',
  state: { step: 1 },
  user: { connect: { id: userId } },
  thread: { connect: { userId_id: { userId, id: threadId } } },
});

/** Row counts without the audit table (refusals are audited by design). */
async function dataRows(prisma: PrismaClient) {
  const { user_provisioning_audit: _audit, ...rest } = await countAllRows(prisma);
  return rest;
}

describeEachDatabase('referenceProvisioning', (db) => {
  it("a caller's policy that says skip: WriteSkippedByPolicyError, nothing written (a Prisma create cannot be skipped)", async () => {
    const base = db().prisma;
    const { logger } = createMemoryLogger({ level: 'error' });
    const skipAll = {
      decide: (request: { entity: string; id: unknown }, context: { environment: Environment }) =>
        ({ kind: 'skip', entity: request.entity, id: String(request.id), code: 'EPHEMERAL_RUN', reason: 'this policy skips everyone', environment: context.environment }) as const,
    };
    const prisma = base.$extends(referenceProvisioning({ environment: 'development', logger, policy: skipAll }));
    const userId = unique('dev-temp-');
    const before = await countAllRows(base);
    const write = prisma.agentStateSnapshot.create({ data: snapshotConnect(userId) });
    await expect(write).rejects.toBeInstanceOf(WriteSkippedByPolicyError);
    await expect(prisma.agentStateSnapshot.create({ data: snapshotConnect(userId) })).rejects.toMatchObject({ code: 'WRITE_SKIPPED_BY_POLICY' });
    expect(await countAllRows(base)).toEqual(before);
  });

  describe('development', () => {
    it('creates a snapshot for a brand-new test- user and thread: one user row, one thread, one created audit row and log line', async () => {
      const base = db().prisma;
      const { prisma, lines } = extend(base, 'development');
      const userId = unique('test-');
      const row = await prisma.agentStateSnapshot.create({ data: snapshotScalar(userId), select: { id: true, userId: true } });
      expect(row.userId).toBe(userId);
      expect(await base.user.findUnique({ where: { id: userId }, select: { autoProvisioned: true } })).toEqual({ autoProvisioned: true });
      expect(await base.agentThread.count({ where: { userId, id: 't1', autoProvisioned: true } })).toBe(1);
      expect(await base.userProvisioningAudit.findMany({ where: { subjectId: userId }, select: { outcome: true, decision: true, environment: true } })).toEqual([
        { outcome: 'created', decision: 'create-if-missing', environment: 'development' },
      ]);
      await flushLogs();
      expect(lines.filter((l) => l.message === 'user.provisioning')).toEqual([expect.objectContaining({ outcome: 'created', userId, level: 'info' })]);
    });

    it.each([
      ['create, scalar', (p: Extended, u: string) => p.agentStateSnapshot.create({ data: snapshotScalar(u) })],
      ['create, connect', (p: Extended, u: string) => p.agentStateSnapshot.create({ data: snapshotConnect(u) })],
      ['createMany', (p: Extended, u: string) => p.agentStateSnapshot.createMany({ data: [snapshotScalar(u), snapshotScalar(u, 't2')] })],
      ['createManyAndReturn', (p: Extended, u: string) => p.agentStateSnapshot.createManyAndReturn({ data: [snapshotScalar(u), snapshotScalar(u, 't2')] })],
      ['upsert, scalar', (p: Extended, u: string) => p.agentStateSnapshot.upsert({ where: { id: crypto.randomUUID() }, create: snapshotScalar(u), update: { runId: 'r2' } })],
      ['upsert, connect', (p: Extended, u: string) => p.agentStateSnapshot.upsert({ where: { id: crypto.randomUUID() }, create: snapshotConnect(u), update: { runId: 'r2' } })],
      // fk-lint-disable-next-line -- the scalar form through the extended client (a parameter fk-lint cannot trace)
      ['agentThread.create, scalar', (p: Extended, u: string) => p.agentThread.create({ data: { userId: u, id: 't1' } })],
      ['agentThread.create, connect', (p: Extended, u: string) => p.agentThread.create({ data: { id: 't1', user: { connect: { id: u } } } })],
    ])('%s: the missing dev user is created with one audit row', async (_name, write) => {
      const base = db().prisma;
      const { prisma } = extend(base, 'development');
      const userId = unique('dev-temp-');
      await write(prisma, userId);
      expect(await base.user.count({ where: { id: userId } })).toBe(1);
      expect(await base.userProvisioningAudit.count({ where: { subjectId: userId, outcome: 'created' } })).toBe(1);
    });

    it('an already existing user gets no audit row; a second write adds no statement (known-reference cache)', async () => {
      const base = db().prisma;
      const userId = unique('test-');
      await base.user.create({ data: { id: userId, email: `${userId}@example.test` } });
      const { prisma, statements } = extend(base, 'development');
      await prisma.agentStateSnapshot.create({ data: snapshotConnect(userId) });
      expect(await base.userProvisioningAudit.count({ where: { subjectId: userId } })).toBe(0);
      const first = statements.count;
      expect(first).toBe(2); // the ensure statement, then the create
      await prisma.agentStateSnapshot.create({ data: snapshotConnect(userId) });
      expect(statements.count - first).toBe(1); // the plain create alone
      expect(await base.agentStateSnapshot.count({ where: { userId } })).toBe(2);
    });

    it('a stale cache entry (user deleted by someone else) costs a retry, never an error', async () => {
      const base = db().prisma;
      const { prisma } = extend(base, 'development');
      const userId = unique('dev-temp-');
      for (const form of [snapshotScalar, snapshotConnect]) {
        await prisma.agentStateSnapshot.create({ data: form(userId) });
        await base.user.delete({ where: { id: userId } });
        await prisma.agentStateSnapshot.create({ data: form(userId) });
        expect(await base.agentStateSnapshot.count({ where: { userId } })).toBe(1);
        await base.user.delete({ where: { id: userId } });
      }
    });

    it('malformed ids are InvalidInputError, nothing written', async () => {
      const base = db().prisma;
      const { prisma } = extend(base, 'development');
      const before = await countAllRows(base);
      await expect(prisma.agentStateSnapshot.create({ data: snapshotScalar('dev-temp- spaced') })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(prisma.agentStateSnapshot.create({ data: snapshotScalar(unique('dev-temp-'), 'bad/thread') })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'threadId' });
      await expect(prisma.agentThread.create({ data: { id: 't', user: { connect: { id: '' } } } })).rejects.toBeInstanceOf(InvalidInputError);
      expect(await countAllRows(base)).toEqual(before);
    });

    it('models without a required relation to User, and nested writes, are decided and sent as Prisma\'s own write: no statement added', async () => {
      const base = db().prisma;
      const { prisma, statements } = extend(base, 'development');
      const userId = unique('acct_');
      await prisma.user.create({ data: { id: userId, email: `${userId}@example.test`, threads: { create: { id: 't' } } } });
      expect(statements.count).toBe(1);
      expect(await base.agentThread.count({ where: { userId } })).toBe(1);
    });
  });

  describe('production', () => {
    const refusedWrites: Array<[string, (p: Extended, u: string) => Promise<unknown>]> = [
      ['create, scalar', (p, u) => p.agentStateSnapshot.create({ data: snapshotScalar(u) })],
      ['create, connect', (p, u) => p.agentStateSnapshot.create({ data: snapshotConnect(u) })],
      ['createMany', (p, u) => p.agentStateSnapshot.createMany({ data: [snapshotScalar(u)] })],
      ['createManyAndReturn', (p, u) => p.agentStateSnapshot.createManyAndReturn({ data: [snapshotScalar(u)] })],
      ['upsert, scalar', (p, u) => p.agentStateSnapshot.upsert({ where: { id: crypto.randomUUID() }, create: snapshotScalar(u), update: {} })],
      ['upsert, connect', (p, u) => p.agentStateSnapshot.upsert({ where: { id: crypto.randomUUID() }, create: snapshotConnect(u), update: {} })],
      // fk-lint-disable-next-line -- the scalar form through the extended client (a parameter fk-lint cannot trace)
      ['agentThread.create', (p, u) => p.agentThread.create({ data: { userId: u, id: 't1' } })],
    ];

    it.each(refusedWrites)('%s for a dev-looking id: ProvisioningRefusedError, audited, 0 rows changed', async (_name, write) => {
      const base = db().prisma;
      const { prisma } = extend(base, 'production');
      const userId = unique('dev-temp-');
      const before = await dataRows(base);
      const error = await write(prisma, userId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProvisioningRefusedError);
      expect(await dataRows(base)).toEqual(before);
      expect(await base.userProvisioningAudit.findMany({ where: { subjectId: userId }, select: { outcome: true, environment: true } })).toEqual([{ outcome: 'refused', environment: 'production' }]);
    });

    it.each(refusedWrites)('%s for a missing account: UnknownUserError (not P2003), audited, 0 rows changed', async (_name, write) => {
      const base = db().prisma;
      const { prisma } = extend(base, 'production');
      const userId = unique('acct_');
      const before = await dataRows(base);
      const error = await write(prisma, userId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnknownUserError);
      expect(error).toMatchObject({ code: 'UNKNOWN_USER', userId });
      expect(await dataRows(base)).toEqual(before);
      expect(await base.userProvisioningAudit.count({ where: { subjectId: userId, outcome: 'refused', reasonCode: 'USER_NOT_FOUND' } })).toBe(1);
    });

    it('an existing account writes; its new thread is created on first use; no audit row', async () => {
      const base = db().prisma;
      const { prisma } = extend(base, 'production');
      const userId = unique('acct_');
      await base.user.create({ data: { id: userId, email: `${userId}@example.test` } });
      await prisma.agentStateSnapshot.create({ data: snapshotConnect(userId, 'new-thread') });
      expect(await base.agentThread.count({ where: { userId, id: 'new-thread' } })).toBe(1);
      expect(await base.userProvisioningAudit.count({ where: { subjectId: userId } })).toBe(0);
    });

    it('environment: development cannot widen a production process', async () => {
      const saved = process.env.AGENT_STATE_ENV;
      process.env.AGENT_STATE_ENV = 'production';
      try {
        const base = db().prisma;
        const { prisma } = extend(base, 'development');
        const userId = unique('dev-temp-');
        await expect(prisma.agentStateSnapshot.create({ data: snapshotScalar(userId) })).rejects.toBeInstanceOf(ProvisioningRefusedError);
        expect(await base.user.count({ where: { id: userId } })).toBe(0);
      } finally {
        if (saved === undefined) delete process.env.AGENT_STATE_ENV;
        else process.env.AGENT_STATE_ENV = saved;
      }
    });
  });

  describe('inside $transaction', () => {
    it('interactive: the ensure step joins the transaction; a rollback leaves no user, thread, snapshot or audit row', async () => {
      const base = db().prisma;
      const { prisma } = extend(base, 'development');
      const userId = unique('test-');
      const before = await countAllRows(base);
      const failed = await prisma
        .$transaction(async (tx) => {
          await tx.agentStateSnapshot.create({ data: snapshotScalar(userId) });
          await tx.agentThread.create({ data: { id: 'second', user: { connect: { id: userId } } } });
          // the user exists inside the transaction
          expect(await tx.user.count({ where: { id: userId } })).toBe(1);
          throw new Error('roll back');
        })
        .catch((e: unknown) => e);
      expect(failed).toMatchObject({ message: 'roll back' });
      expect(await countAllRows(base)).toEqual(before);
    });

    it('interactive: committed, the rows are there with one created audit row', async () => {
      const base = db().prisma;
      const { prisma } = extend(base, 'development');
      const userId = unique('test-');
      await prisma.$transaction(async (tx) => {
        await tx.agentStateSnapshot.create({ data: snapshotConnect(userId) });
        await tx.agentStateSnapshot.createMany({ data: [snapshotScalar(userId), snapshotScalar(userId, 't2')] });
      });
      expect(await base.agentStateSnapshot.count({ where: { userId } })).toBe(3);
      expect(await base.userProvisioningAudit.count({ where: { subjectId: userId, outcome: 'created' } })).toBe(1);
    });

    it('interactive: refusals are typed errors, nothing written by the transaction', async () => {
      const base = db().prisma;
      const { prisma } = extend(base, 'production');
      const dev = unique('dev-temp-');
      const account = unique('acct_');
      const before = await dataRows(base);
      await expect(prisma.$transaction((tx) => tx.agentStateSnapshot.create({ data: snapshotScalar(dev) }))).rejects.toBeInstanceOf(ProvisioningRefusedError);
      await expect(prisma.$transaction((tx) => tx.agentStateSnapshot.create({ data: snapshotConnect(account) }))).rejects.toBeInstanceOf(UnknownUserError);
      expect(await dataRows(base)).toEqual(before);
      expect(await base.userProvisioningAudit.count({ where: { subjectId: { in: [dev, account] }, outcome: 'refused' } })).toBe(2);
    });

    it('batch: the writes succeed for a new dev user; a refusal sends none of the batch', async () => {
      const base = db().prisma;
      const dev = extend(base, 'development').prisma;
      const userId = unique('dev-temp-');
      // fk-lint-disable-next-line -- the scalar form through the extended client (a parameter fk-lint cannot trace)
      const [snapshot, thread] = await dev.$transaction([dev.agentStateSnapshot.create({ data: snapshotScalar(userId) }), dev.agentThread.create({ data: { userId, id: 'other' } })]);
      expect(snapshot.userId).toBe(userId);
      expect(thread.id).toBe('other');
      expect(await base.userProvisioningAudit.count({ where: { subjectId: userId, outcome: 'created' } })).toBe(1);

      const prod = extend(base, 'production').prisma;
      const account = unique('acct_');
      await base.user.create({ data: { id: account, email: `${account}@example.test` } });
      const before = await dataRows(base);
      await expect(
        prod.$transaction([prod.agentStateSnapshot.create({ data: snapshotScalar(account) }), prod.agentStateSnapshot.create({ data: snapshotScalar(unique('dev-temp-')) })]),
      ).rejects.toBeInstanceOf(ProvisioningRefusedError);
      expect(await dataRows(base)).toEqual(before);
    });

    it('batch (documented limit): the ensure statement runs just before the batch, so a batch failing afterwards leaves the ensured user row', async () => {
      const base = db().prisma;
      const { prisma } = extend(base, 'development');
      const userId = unique('dev-temp-');
      const taken = unique('acct_');
      await base.user.create({ data: { id: taken, email: `${taken}@example.test` } });
      await expect(
        prisma.$transaction([prisma.agentStateSnapshot.create({ data: snapshotScalar(userId) }), prisma.user.create({ data: { id: taken, email: 'duplicate@example.test' } })]),
      ).rejects.toMatchObject({ code: 'P2002' });
      expect(await base.agentStateSnapshot.count({ where: { userId } })).toBe(0);
      expect(await base.user.count({ where: { id: userId } })).toBe(1);
      expect(await base.userProvisioningAudit.count({ where: { subjectId: userId, outcome: 'created' } })).toBe(1);
    });
  });
});

describePostgres('referenceProvisioning under concurrency', (db) => {
  it('100 concurrent creates for one brand-new test- user and thread: 0 errors, 1 user row, 1 created audit row', async () => {
    const base = db().prisma;
    const { prisma } = extend(base, 'development');
    const userId = unique('test-');
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => prisma.agentStateSnapshot.create({ data: { ...snapshotScalar(userId, 'shared'), runId: `r${i}` }, select: { id: true } })));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await base.user.count({ where: { id: userId } })).toBe(1);
    expect(await base.agentThread.count({ where: { userId } })).toBe(1);
    expect(await base.agentStateSnapshot.count({ where: { userId } })).toBe(100);
    expect(await base.userProvisioningAudit.count({ where: { subjectId: userId, outcome: 'created' } })).toBe(1);
  });

  it('100 concurrent connect-form creates through separately extended clients (other processes): still one user and one audit row', async () => {
    const base = db().prisma;
    const userId = unique('dev-temp-');
    const clients = Array.from({ length: 4 }, () => extend(base, 'development').prisma);
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => (clients[i % 4] as Extended).agentStateSnapshot.create({ data: snapshotConnect(userId, 'shared'), select: { id: true } })));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await base.user.count({ where: { id: userId } })).toBe(1);
    expect(await base.userProvisioningAudit.count({ where: { subjectId: userId, outcome: 'created' } })).toBe(1);
  });
});

type Extended = ReturnType<typeof extend>['prisma'];

/**
 * The extension's boundary does not depend on how a write is spelled
 * (issue 26, points 1 and 2): thread ids are checked wherever they are
 * written, no dev/test user is created in production by any path (top-level,
 * nested at any depth, an upsert's update branch), and a write that moves a
 * row to a user or thread that does not exist ends in the typed error, with
 * nothing written.
 */
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@agentstate/db';
import { countAllRows, describeEachDatabase } from '@agentstate/db/testing';
import { createMemoryLogger } from '@agentstate/logger';
import type { Environment } from '@agentstate/policy';
import { InvalidInputError, ProvisioningRefusedError, UnknownReferenceError, UnknownUserError } from '@agentstate/write-path';
import { referenceProvisioning } from './index';

const unique = (prefix: string) => `${prefix}${randomBytes(5).toString('hex')}`;

function extend(base: PrismaClient, environment: Environment) {
  const { logger } = createMemoryLogger({ level: 'error' });
  return base.$extends(referenceProvisioning({ environment, logger }));
}
type Extended = ReturnType<typeof extend>;

/** An account (a production user) with one thread and one snapshot in it, made without the extension. */
async function accountWithThread(base: PrismaClient) {
  const account = unique('acct_');
  await base.user.create({ data: { id: account, email: `${account}@example.test` } });
  await base.agentThread.create({ data: { id: 'main', user: { connect: { id: account } } } });
  await base.agentStateSnapshot.create({ data: { runId: 'r', state: {}, user: { connect: { id: account } }, thread: { connect: { userId_id: { userId: account, id: 'main' } } } } });
  return account;
}

/** Who owns what: every user, thread and snapshot, and every audit row but refusals (refusals are audited by design). */
async function contents(base: PrismaClient) {
  return {
    users: await base.user.findMany({ select: { id: true }, orderBy: { id: 'asc' } }),
    threads: await base.agentThread.findMany({ select: { userId: true, id: true }, orderBy: [{ userId: 'asc' }, { id: 'asc' }] }),
    snapshots: await base.agentStateSnapshot.findMany({ select: { id: true, userId: true, threadId: true }, orderBy: { id: 'asc' } }),
    audit: await base.userProvisioningAudit.count({ where: { outcome: { not: 'refused' } } }),
  };
}

const refusals = (base: PrismaClient, subjectId: string) =>
  base.userProvisioningAudit.findMany({ where: { subjectId }, select: { outcome: true, reasonCode: true, environment: true } });

// One database of each kind for the whole file (creating them is the slow part).
describeEachDatabase('referenceProvisioning whatever the spelling of the write', (db, kind) => {
  describe('thread ids (issue 26, point 1)', () => {
    it.each([
      ['with a space', 'bad id'],
      ['with a slash', 'a/b'],
      ['outside ASCII', 'té'],
      ['empty', ''],
      ['of 129 characters (was P2000 after the user was created)', 'x'.repeat(129)],
      ['with a NUL (was P2039 after the user was created)', 'a\u0000b'],
    ])('development: agentThread.create with an id %s is InvalidInputError; no thread, no user, no audit row', async (_name, id) => {
      const base = db().prisma;
      const prisma = extend(base, 'development');
      const before = await countAllRows(base);
      const userId = unique('dev-temp-');
      // fk-lint-disable-next-line -- the scalar form through the extended client (a parameter fk-lint cannot trace)
      const error = await prisma.agentThread.create({ data: { id, userId } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'id' });
      expect(await countAllRows(base)).toEqual(before);
    });

    it('production: a malformed thread id for an existing account is InvalidInputError, in a create, an upsert and nested writes; nothing written', async () => {
      const base = db().prisma;
      const prisma = extend(base, 'production');
      const account = await accountWithThread(base);
      const before = await countAllRows(base);
      const attempts: Array<[string, () => PromiseLike<unknown>]> = [
        // fk-lint-disable-next-line -- the scalar form through the extended client
        ['create', () => prisma.agentThread.create({ data: { id: 'has space', userId: account } })],
        ['upsert', () => prisma.agentThread.upsert({ where: { userId_id: { userId: account, id: 'up sert' } }, create: { id: 'up sert', user: { connect: { id: account } } }, update: {} })],
        ['update', () => prisma.agentThread.update({ where: { userId_id: { userId: account, id: 'main' } }, data: { id: 'new name' } })],
        ['nested create', () => prisma.user.update({ where: { id: account }, data: { threads: { create: { id: 'nested id' } } } })],
        [
          'nested snapshot thread',
          () =>
            prisma.agentStateSnapshot.create({
              data: { runId: 'r', state: {}, user: { connect: { id: account } }, thread: { create: { id: 'in thread', user: { connect: { id: account } } } } },
            }),
        ],
      ];
      const fields: Record<string, unknown> = {};
      for (const [name, attempt] of attempts) {
        const error = await Promise.resolve(attempt()).catch((e: unknown) => e);
        expect([name, error]).toEqual([name, expect.any(InvalidInputError)]);
        fields[name] = (error as InvalidInputError).field;
      }
      expect(fields).toEqual({
        create: 'id',
        upsert: 'create.id',
        update: 'id',
        'nested create': 'threads.create.id',
        'nested snapshot thread': 'thread.create.id',
      });
      expect(await countAllRows(base)).toEqual(before);
    });
  });

  describe('nested writes and updates (issue 26, point 2)', () => {
    const dev = () => unique('dev-temp-');
    const userData = (id: string) => ({ id, email: `${id}@example.test` });

    /** Writes that would create (or move a row to) the dev user `d`, given an account with a thread 'main' and a snapshot. */
    const refusedWrites: Array<[string, (p: Extended, account: string, d: string) => PromiseLike<unknown>]> = [
      ['user.create', (p, _a, d) => p.user.create({ data: userData(d) })],
      ['user.createMany', (p, _a, d) => p.user.createMany({ data: [userData(unique('acct_')), userData(d)] })],
      ['user.createManyAndReturn', (p, _a, d) => p.user.createManyAndReturn({ data: [userData(d)] })],
      ['user.upsert, create branch', (p, _a, d) => p.user.upsert({ where: { id: d }, create: userData(d), update: {} })],
      ['user.upsert, update branch (renames an account)', (p, a, d) => p.user.upsert({ where: { id: a }, create: userData(a), update: { id: d } })],
      ['user.update (renames an account)', (p, a, d) => p.user.update({ where: { id: a }, data: { id: d } })],
      [
        'agentThread.update, nested connectOrCreate (moved the thread and its snapshots)',
        (p, a, d) => p.agentThread.update({ where: { userId_id: { userId: a, id: 'main' } }, data: { user: { connectOrCreate: { where: { id: d }, create: userData(d) } } } }),
      ],
      ['agentThread.update, nested create', (p, a, d) => p.agentThread.update({ where: { userId_id: { userId: a, id: 'main' } }, data: { user: { create: userData(d) } } })],
      ['agentThread.update, nested upsert', (p, a, d) => p.agentThread.update({ where: { userId_id: { userId: a, id: 'main' } }, data: { user: { upsert: { create: userData(d), update: {} } } } })],
      ['agentThread.update, nested connect', (p, a, d) => p.agentThread.update({ where: { userId_id: { userId: a, id: 'main' } }, data: { user: { connect: { id: d } } } })],
      // fk-lint-disable-next-line -- the scalar form is what this case tries, through the extended client
      ['agentThread.update, scalar', (p, a, d) => p.agentThread.update({ where: { userId_id: { userId: a, id: 'main' } }, data: { userId: d } })],
      // fk-lint-disable-next-line -- the scalar form is what this case tries, through the extended client
      ['agentThread.updateMany, scalar', (p, a, d) => p.agentThread.updateMany({ where: { userId: a }, data: { userId: d } })],
      ['agentThread.create, nested create', (p, _a, d) => p.agentThread.create({ data: { id: 't', user: { create: userData(d) } } })],
      ['agentThread.create, nested connectOrCreate', (p, _a, d) => p.agentThread.create({ data: { id: 't', user: { connectOrCreate: { where: { id: d }, create: userData(d) } } } })],
      [
        'agentThread.upsert, update branch',
        (p, a, d) =>
          p.agentThread.upsert({
            where: { userId_id: { userId: a, id: 'main' } },
            create: { id: 'main', user: { connect: { id: a } } },
            update: { user: { connectOrCreate: { where: { id: d }, create: userData(d) } } },
          }),
      ],
      [
        'agentStateSnapshot.create, three levels deep',
        (p, _a, d) =>
          p.agentStateSnapshot.create({
            data: { runId: 'r', state: {}, user: { connect: { id: d } }, thread: { create: { id: 't', user: { connectOrCreate: { where: { id: d }, create: userData(d) } } } } },
          }),
      ],
      [
        'user.update, nested thread created for a new dev user',
        (p, a, d) => p.user.update({ where: { id: a }, data: { snapshots: { create: { runId: 'r', state: {}, thread: { create: { id: 't', user: { create: userData(d) } } } } } } }),
      ],
    ];

    it.each(refusedWrites)('%s for a dev-temp- user: ProvisioningRefusedError, audited once, nothing written or moved', async (_name, write) => {
      const base = db().prisma;
      const prisma = extend(base, 'production');
      const account = await accountWithThread(base);
      const devId = dev();
      const before = await contents(base);
      const error = await Promise.resolve(write(prisma, account, devId)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProvisioningRefusedError);
      expect(error).toMatchObject({ code: 'PROVISIONING_REFUSED', subjectId: devId, reasonCode: 'DEV_ID_IN_PRODUCTION' });
      expect(await contents(base)).toEqual(before);
      expect(await refusals(base, devId)).toEqual([{ outcome: 'refused', reasonCode: 'DEV_ID_IN_PRODUCTION', environment: 'production' }]);
    });

    it('a batch $transaction with one such write sends none of its writes', async () => {
      const base = db().prisma;
      const prisma = extend(base, 'production');
      const account = await accountWithThread(base);
      const devId = dev();
      const before = await contents(base);
      const batch = prisma.$transaction([
        prisma.agentThread.create({ data: { id: 'second', user: { connect: { id: account } } } }),
        prisma.user.update({ where: { id: account }, data: { email: `${devId}@changed.test` } }),
        prisma.agentThread.update({ where: { userId_id: { userId: account, id: 'main' } }, data: { user: { connectOrCreate: { where: { id: devId }, create: userData(devId) } } } }),
      ]);
      await expect(batch).rejects.toBeInstanceOf(ProvisioningRefusedError);
      expect(await contents(base)).toEqual(before);
      expect(await base.user.count({ where: { email: `${devId}@changed.test` } })).toBe(0);
    });

    it('what production allows still works: a new account created nested, a thread moved to an existing account, an update naming no user', async () => {
      const base = db().prisma;
      const prisma = extend(base, 'production');
      const account = await accountWithThread(base);
      const other = unique('acct_');
      await prisma.agentThread.create({ data: { id: 'for-new', user: { create: userData(other) } } });
      expect(await base.user.count({ where: { id: other } })).toBe(1);
      await prisma.agentThread.update({ where: { userId_id: { userId: account, id: 'main' } }, data: { user: { connect: { id: other } } } });
      // the foreign keys cascade: the thread and its snapshot moved together
      expect(await base.agentStateSnapshot.count({ where: { userId: other, threadId: 'main' } })).toBe(1);
      await prisma.agentThread.update({ where: { userId_id: { userId: other, id: 'main' } }, data: { autoProvisioned: true } });
      expect(await base.userProvisioningAudit.count({ where: { subjectId: { in: [account, other] } } })).toBe(0);
    });

    const missingWrites: Array<[string, (p: Extended, account: string, missing: string) => PromiseLike<unknown>, 'user' | 'thread' | 'user by email']> = [
      // fk-lint-disable-next-line -- the scalar form is what this case tries, through the extended client
      ['agentThread.update, scalar userId (was P2003)', (p, a, m) => p.agentThread.update({ where: { userId_id: { userId: a, id: 'main' } }, data: { userId: m } }), 'user'],
      ['agentThread.update, connect (was P2025)', (p, a, m) => p.agentThread.update({ where: { userId_id: { userId: a, id: 'main' } }, data: { user: { connect: { id: m } } } }), 'user'],
      // fk-lint-disable-next-line -- the scalar form is what this case tries, through the extended client
      ['agentThread.updateMany (was P2003)', (p, a, m) => p.agentThread.updateMany({ where: { userId: a }, data: { userId: m } }), 'user'],
      [
        'agentThread.upsert, update branch (was P2025)',
        (p, a, m) => p.agentThread.upsert({ where: { userId_id: { userId: a, id: 'main' } }, create: { id: 'main', user: { connect: { id: a } } }, update: { user: { connect: { id: m } } } }),
        'user',
      ],
      [
        'agentStateSnapshot.updateMany to a thread of a missing user (was P2003)',
        // fk-lint-disable-next-line -- the scalar form is what this case tries, through the extended client
        (p, a, m) => p.agentStateSnapshot.updateMany({ where: { userId: a }, data: { userId: m, threadId: 'main' } }),
        'user',
      ],
      [
        'agentStateSnapshot.updateMany to a missing thread (was P2003)',
        // fk-lint-disable-next-line -- the scalar form is what this case tries, through the extended client
        (p, a, m) => p.agentStateSnapshot.updateMany({ where: { userId: a }, data: { threadId: m } }),
        'thread',
      ],
      [
        'agentThread.update, connect by email (was P2025)',
        (p, a, m) => p.agentThread.update({ where: { userId_id: { userId: a, id: 'main' } }, data: { user: { connect: { email: `${m}@example.test` } } } }),
        'user by email',
      ],
      [
        'user.update, a nested snapshot connected to a missing thread (was P2025)',
        (p, a, m) => p.user.update({ where: { id: a }, data: { snapshots: { create: { runId: 'r', state: {}, thread: { connect: { userId_id: { userId: a, id: m } } } } } } }),
        'thread',
      ],
    ];

    it.each(missingWrites)('%s: the typed error, nothing changed', async (_name, write, kind) => {
      const base = db().prisma;
      const prisma = extend(base, 'production');
      const account = await accountWithThread(base);
      const missing = unique('acct_');
      const before = await contents(base);
      const error = await Promise.resolve(write(prisma, account, missing)).catch((e: unknown) => e);
      if (kind === 'user') {
        expect(error).toBeInstanceOf(UnknownUserError);
        expect(error).toMatchObject({ code: 'UNKNOWN_USER', userId: missing });
        expect(await base.userProvisioningAudit.findMany({ where: { subjectId: missing }, select: { outcome: true, reasonCode: true } })).toEqual([
          { outcome: 'refused', reasonCode: 'USER_NOT_FOUND' },
        ]);
      } else {
        expect(error).toBeInstanceOf(UnknownReferenceError);
        expect(error).toMatchObject({ code: 'UNKNOWN_REFERENCE', model: kind === 'thread' ? 'AgentThread' : 'User' });
        expect((error as UnknownReferenceError).key).toContain(missing);
      }
      expect(await contents(base)).toEqual(before);
    });

    it('an update whose row is not there keeps Prisma’s own P2025 (nothing it points at is missing)', async () => {
      const base = db().prisma;
      const prisma = extend(base, 'production');
      const account = await accountWithThread(base);
      // fk-lint-disable-next-line -- the scalar form is what this case tries, through the extended client
      await expect(prisma.agentThread.update({ where: { userId_id: { userId: account, id: 'no-such-thread' } }, data: { userId: account } })).rejects.toMatchObject({ code: 'P2025' });
    });

    it('development: a nested dev user is Prisma’s own create (no audit row); moving a thread to a missing dev user is UnknownUserError, not an auto-creation', async () => {
      const base = db().prisma;
      const prisma = extend(base, 'development');
      const account = await accountWithThread(base);
      const nested = dev();
      await prisma.agentThread.create({ data: { id: 't', user: { connectOrCreate: { where: { id: nested }, create: userData(nested) } } } });
      expect(await base.user.count({ where: { id: nested } })).toBe(1);
      const missing = dev();
      // fk-lint-disable-next-line -- the scalar form is what this case tries, through the extended client
      const error = await prisma.agentThread.update({ where: { userId_id: { userId: account, id: 'main' } }, data: { userId: missing } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnknownUserError);
      expect(await base.user.count({ where: { id: missing } })).toBe(0);
      expect(await base.agentThread.count({ where: { userId: account, id: 'main' } })).toBe(1);
    });

    it('staging: a dev-looking user is never provisioned (UnknownUserError), but a user the caller creates with such an id is its own write', async () => {
      const base = db().prisma;
      const prisma = extend(base, 'staging');
      const provisioned = dev();
      await expect(prisma.agentThread.create({ data: { id: 't', user: { connect: { id: provisioned } } } })).rejects.toBeInstanceOf(UnknownUserError);
      expect(await base.user.count({ where: { id: provisioned } })).toBe(0);
      const explicit = dev();
      await prisma.agentThread.create({ data: { id: 't', user: { create: userData(explicit) } } });
      expect(await base.user.findUnique({ where: { id: explicit }, select: { autoProvisioned: true } })).toEqual({ autoProvisioned: false });
    });
  });

  // PostgreSQL only: on PGlite (one connection) the refusal's audit row, written outside the transaction, waits for its timeout (5 s; see README).
  if (kind === 'postgresql') describe('an update to a missing user inside an interactive transaction (issue 26, point 2)', () => {
    it('UnknownUserError; the transaction rolls back', async () => {
      const base = db().prisma;
      const prisma = extend(base, 'production');
      const account = await accountWithThread(base);
      const missing = unique('acct_');
      const before = await contents(base);
      const attempt = prisma.$transaction(async (tx) => {
        await tx.agentThread.create({ data: { id: 'inside', user: { connect: { id: account } } } });
        await tx.agentThread.update({ where: { userId_id: { userId: account, id: 'main' } }, data: { user: { connect: { id: missing } } } });
      });
      await expect(attempt).rejects.toBeInstanceOf(UnknownUserError);
      expect(await contents(base)).toEqual(before);
    });
  });
});

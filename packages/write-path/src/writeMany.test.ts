/**
 * writeMany: several rows in one statement (the Prisma extension's
 * createMany), each decided on its own, their references ensured together.
 * The door's statement here is a plain multi-row INSERT after the ensure
 * statement, as the extension sends it.
 */
import { randomBytes } from 'node:crypto';
import { loadDataModel, Prisma } from '@agentstate/db';
import { describeEachDatabase } from '@agentstate/db/testing';
import { createMemoryLogger } from '@agentstate/logger';
import { createProvisioningPolicy, type Environment } from '@agentstate/policy';
import { ProvisioningRefusedError, UnknownUserError } from './errors';
import { ensureReferences, type EnsurePlan } from './ensureStatement';
import { viaPrisma } from './queryable';
import type { Attempted } from './attempts';
import { createWritePath } from './writePath';

const dataModel = loadDataModel();

/** A unique suffix so tests sharing one database never see each other's rows. */
const unique = (prefix: string) => `${prefix}${randomBytes(5).toString('hex')}`;

describeEachDatabase('write path: writeMany', (db) => {
  function pathFor(environment: Environment) {
    const direct = viaPrisma(db().prisma);
    const { logger, lines } = createMemoryLogger({ level: 'debug' });
    const writePath = createWritePath({ dataModel, policy: createProvisioningPolicy(), environment, logger, direct, door: 'prisma-extension' });
    const plan = writePath.plan('AgentStateSnapshot', ['userId', 'threadId']);
    const insertRows = (rows: Array<{ userId: string; threadId: string }>) => async (ensure: EnsurePlan | null): Promise<Attempted<number>> => {
      const ensured = ensure ? await ensureReferences(direct, ensure) : null;
      if (ensured && ensured.missing.length > 0) return { value: 0, written: false, ensured };
      const values = rows.map((r) => Prisma.sql`(${r.userId}, ${r.threadId}, 'r', '{}'::jsonb)`);
      const count = await db().prisma.$executeRaw(Prisma.sql`INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, state) VALUES ${Prisma.join(values)}`);
      return { value: count, written: true, ensured };
    };
    return { writePath, plan, insertRows, lines };
  }

  it('ensures every user and thread of the rows once: one created audit row per new user, provisioning per row', async () => {
    const { writePath, plan, insertRows } = pathFor('development');
    const a = unique('test-');
    const b = unique('dev-temp-');
    const rows = [
      { userId: a, threadId: 't1' },
      { userId: a, threadId: 't2' },
      { userId: b, threadId: 't1' },
    ];
    const prepared = rows.map((r) => writePath.prepare(plan, r));
    const result = await writePath.writeMany(prepared, insertRows(rows));
    expect(result).toEqual({ value: 3, written: true, provisioning: ['created', 'already-existed', 'created'] });
    const { prisma } = db();
    expect(await prisma.user.count({ where: { id: { in: [a, b] } } })).toBe(2);
    expect(await prisma.agentThread.count({ where: { userId: { in: [a, b] } } })).toBe(3);
    expect(await prisma.userProvisioningAudit.count({ where: { subjectId: { in: [a, b] }, outcome: 'created' } })).toBe(2);

    // Second time: every reference is known, the fast path sends the INSERT alone.
    const again = await writePath.writeMany(
      rows.map((r) => writePath.prepare(plan, r)),
      insertRows(rows),
    );
    expect(again.provisioning).toEqual(['already-existed', 'already-existed', 'already-existed']);
    expect(await prisma.userProvisioningAudit.count({ where: { subjectId: { in: [a, b] } } })).toBe(2);
  });

  it('one refused row refuses the whole write before anything is written, audited', async () => {
    const { writePath, plan, insertRows } = pathFor('production');
    const ok = unique('acct_');
    const dev = unique('dev-temp-');
    await db().prisma.user.create({ data: { id: ok, email: `${ok}@example.test` } });
    const rows = [
      { userId: ok, threadId: 't' },
      { userId: dev, threadId: 't' },
    ];
    const attempt = jest.fn(insertRows(rows));
    await expect(writePath.writeMany(rows.map((r) => writePath.prepare(plan, r)), attempt)).rejects.toBeInstanceOf(ProvisioningRefusedError);
    expect(attempt).not.toHaveBeenCalled();
    expect(await db().prisma.agentStateSnapshot.count({ where: { userId: { in: [ok, dev] } } })).toBe(0);
    expect(await db().prisma.userProvisioningAudit.count({ where: { subjectId: dev, outcome: 'refused' } })).toBe(1);
  });

  it('a missing user the policy may not create is UnknownUserError for that row, nothing written', async () => {
    const { writePath, plan, insertRows } = pathFor('production');
    const ok = unique('acct_');
    const missing = unique('acct_');
    await db().prisma.user.create({ data: { id: ok, email: `${ok}@example.test` } });
    const rows = [
      { userId: ok, threadId: 't' },
      { userId: missing, threadId: 't' },
    ];
    const error = await writePath.writeMany(rows.map((r) => writePath.prepare(plan, r)), insertRows(rows)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownUserError);
    expect(error).toMatchObject({ userId: missing });
    expect(await db().prisma.agentStateSnapshot.count({ where: { userId: { in: [ok, missing] } } })).toBe(0);
  });

  it('write is writeMany of one row', async () => {
    const { writePath, plan, insertRows } = pathFor('development');
    const userId = unique('test-');
    const result = await writePath.write(writePath.prepare(plan, { userId, threadId: 't' }), insertRows([{ userId, threadId: 't' }]));
    expect(result).toEqual({ value: 1, written: true, replayed: false, provisioning: 'created' });
  });
});

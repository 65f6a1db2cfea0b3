// The bug this project exists for, reproduced with plain Prisma: a snapshot
// whose user row is missing violates the foreign key (P2003).
import { Prisma } from './index';
import { describeEachDatabase } from './testing';

describeEachDatabase('original bug: snapshot insert for a user with no userbase row', (db) => {
  it('fails with P2003 through a plain Prisma create', async () => {
    const attempt = db().prisma.agentStateSnapshot.create({
      // fk-lint-disable-next-line -- deliberately reproduces the bug
      data: { userId: 'dev-temp-a4327ed3', threadId: 't1', runId: 'r1', state: { step: 1 } },
    });
    await expect(attempt).rejects.toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    await expect(attempt).rejects.toMatchObject({ code: 'P2003' });
    expect(await db().prisma.agentStateSnapshot.count()).toBe(0);
  });

  it('succeeds once the referenced rows exist', async () => {
    const { prisma } = db();
    await prisma.user.create({ data: { id: 'dev-temp-a4327ed3', email: 'dev-temp-a4327ed3@example.invalid' } });
    await prisma.agentThread.create({ data: { user: { connect: { id: 'dev-temp-a4327ed3' } }, id: 't1' } });
    const saved = await prisma.agentStateSnapshot.create({
      data: {
        user: { connect: { id: 'dev-temp-a4327ed3' } },
        thread: { connect: { userId_id: { userId: 'dev-temp-a4327ed3', id: 't1' } } },
        runId: 'r1',
        state: { step: 1 },
      },
    });
    expect(saved).toMatchObject({ userId: 'dev-temp-a4327ed3', threadId: 't1' });
    expect(typeof saved.seq).toBe('bigint');
  });
});

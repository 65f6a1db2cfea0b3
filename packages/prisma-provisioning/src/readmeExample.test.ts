import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachDatabase } from '@agentstate/db/testing';
import { writeThroughPrisma } from './readmeExample';

const README = join(__dirname, '..', '..', '..', 'README.md');

describe("the README's Prisma extension example", () => {
  it('is shown verbatim in README.md', () => {
    const source = readFileSync(join(__dirname, 'readmeExample.ts'), 'utf8').trim();
    expect(readFileSync(README, 'utf8')).toContain(`\`\`\`ts\n${source}\n\`\`\``);
  });
});

describeEachDatabase("the README's Prisma extension example", (db) => {
  it('runs: the dev user, both threads and the snapshot exist, one created audit row', async () => {
    const { snapshot, thread } = await writeThroughPrisma(db());
    const { prisma } = db();
    expect(await prisma.agentStateSnapshot.count({ where: { id: snapshot.id } })).toBe(1);
    expect(thread).toMatchObject({ userId: 'dev-temp-b51e0c92', id: 'thread-2' });
    expect((await prisma.agentThread.findMany({ orderBy: { id: 'asc' } })).map((t) => t.id)).toEqual(['thread-1', 'thread-2']);
    expect(await prisma.userProvisioningAudit.count({ where: { subjectId: 'dev-temp-b51e0c92', outcome: 'created' } })).toBe(1);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachDatabase } from '@agentstate/db/testing';
import { writeThroughPrisma } from './readmeExample';

const GUIDE = join(__dirname, '..', '..', '..', 'docs', 'guides', 'prisma-extension.md');

describe("the Prisma extension guide's example", () => {
  it('is shown verbatim in docs/guides/prisma-extension.md', () => {
    const source = readFileSync(join(__dirname, 'readmeExample.ts'), 'utf8').trim();
    expect(readFileSync(GUIDE, 'utf8')).toContain(`\`\`\`ts\n${source}\n\`\`\``);
  });
});

describeEachDatabase("the Prisma extension guide's example", (db) => {
  it('runs: the dev user, both threads and the snapshot exist, one created audit row', async () => {
    const { snapshot, thread } = await writeThroughPrisma(db());
    const { prisma } = db();
    expect(await prisma.agentStateSnapshot.count({ where: { id: snapshot.id } })).toBe(1);
    expect(thread).toMatchObject({ userId: 'dev-temp-b51e0c92', id: 'thread-2' });
    expect((await prisma.agentThread.findMany({ orderBy: { id: 'asc' } })).map((t) => t.id)).toEqual(['thread-1', 'thread-2']);
    expect(await prisma.userProvisioningAudit.count({ where: { subjectId: 'dev-temp-b51e0c92', outcome: 'created' } })).toBe(1);
  });
});

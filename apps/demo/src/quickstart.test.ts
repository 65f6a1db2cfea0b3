import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachDatabase } from '@agentstate/db/testing';
import { quickstart } from './quickstart';

const GUIDE = join(__dirname, '..', '..', '..', 'docs', 'guides', 'snapshot-service.md');

describe("the snapshot service guide's example", () => {
  it('is shown verbatim in docs/guides/snapshot-service.md', () => {
    const source = readFileSync(join(__dirname, 'quickstart.ts'), 'utf8').trim();
    const guide = readFileSync(GUIDE, 'utf8');
    expect(guide).toContain(`\`\`\`ts\n${source}\n\`\`\``);
  });
});

describeEachDatabase("the snapshot service guide's example", (db) => {
  it('runs: creates the dev user and the thread once, saves two linked snapshots, reads them back', async () => {
    const { result, next, latest, page, lineage } = await quickstart(db());
    expect(result).toMatchObject({ status: 'saved', provisioning: 'created' });
    expect(next).toMatchObject({ status: 'saved', provisioning: 'already-existed' });
    if (next.status !== 'saved' || result.status !== 'saved') throw new Error('expected saved');
    expect(latest?.id).toBe(next.snapshot.id);
    expect(latest?.parentId).toBe(result.snapshot.id);
    expect(page.items.map((s) => s.id)).toEqual([next.snapshot.id, result.snapshot.id]);
    expect(lineage.map((s) => s.id)).toEqual([next.snapshot.id, result.snapshot.id]);
    expect((await db().prisma.agentThread.findMany()).map((t) => [t.userId, t.id])).toEqual([['dev-temp-a4327ed3', 'thread-1']]);
  });
});

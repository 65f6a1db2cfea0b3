import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachDatabase } from '@agentstate/db/testing';
import { langGraphExample } from './readmeExample';

const source = () => readFileSync(join(__dirname, 'readmeExample.ts'), 'utf8').trim();
const fence = () => `\`\`\`ts\n${source()}\n\`\`\``;

describe("the README's LangGraph example", () => {
  it("is shown verbatim in this package's README.md", () => {
    expect(readFileSync(join(__dirname, '..', 'README.md'), 'utf8')).toContain(fence());
  });

  it('is shown verbatim in the root README.md once it has a "Use with LangGraph" section', () => {
    const root = join(__dirname, '..', '..', '..', 'README.md');
    const readme = existsSync(root) ? readFileSync(root, 'utf8') : '';
    if (readme.includes('## Use with LangGraph')) expect(readme).toContain(fence());
  });
});

describeEachDatabase("the README's LangGraph example", (db) => {
  it('runs: pauses, resumes, lists this user history, deletes the thread for that user', async () => {
    const { prisma } = db();
    const { steps, history } = await langGraphExample(db());
    expect(steps).toEqual(['draft', 'review: yes', 'publish']);
    expect(history.map((s) => s.next)).toEqual([[], ['publish'], ['review'], ['draft'], ['__start__']]);
    expect(await prisma.user.count({ where: { id: 'dev-temp-a4327ed3', autoProvisioned: true } })).toBe(1);
    expect(await prisma.agentCheckpoint.count()).toBe(0); // deleteThread removed them
    expect(await prisma.agentThread.count({ where: { userId: 'dev-temp-a4327ed3', id: 'thread-1' } })).toBe(1); // the thread row stays
  });
});

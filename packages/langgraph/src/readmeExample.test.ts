import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachDatabase } from '@agentstate/db/testing';
import { langGraphExample } from './readmeExample';

const source = () => readFileSync(join(__dirname, 'readmeExample.ts'), 'utf8').trim();
const fence = () => `\`\`\`ts\n${source()}\n\`\`\``;

describe("the LangGraph guide's example", () => {
  it('is shown verbatim in docs/guides/langgraph.md, the one copy of the guide', () => {
    expect(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'guides', 'langgraph.md'), 'utf8')).toContain(fence());
  });
});

describeEachDatabase("the LangGraph guide's example", (db) => {
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

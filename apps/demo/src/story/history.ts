import { createStatePersistence, type Snapshot } from '@agentstate/state-persistence';
import { heading, line, shortId } from '../output';
import { DEV_USER, type AgentState, type StoryContext } from './context';

export interface HistoryFacts {
  /** snapshot ids per page, newest first */
  pages: string[][];
  /** lineage of the last snapshot: itself, its parent, … the root */
  lineage: string[];
}

const describeSnapshot = (s: Snapshot<AgentState>) => `step ${s.state.step} (${shortId(s.id)}…, ${s.createdAt.toISOString().slice(11, 23)})`;

/** Part 5: the thread's history page by page (following nextCursor), then the lineage chain of its last snapshot. */
export async function history(ctx: StoryContext, threadId: string, lastId: string, pageSize: number): Promise<HistoryFacts> {
  const { out, prisma } = ctx;
  const service = createStatePersistence({ prisma, environment: 'development', logger: ctx.logger });
  heading(out, `5. History of ${threadId}, ${pageSize} per page (newest first)`);
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Array<Snapshot<AgentState>>; nextCursor: string | null } = await service.listSnapshots<AgentState>({ userId: DEV_USER, threadId, limit: pageSize, cursor });
    pages.push(page.items.map((s) => s.id));
    line(out, `page ${pages.length}: ${page.items.map(describeSnapshot).join(', ')}`);
    line(out, `  nextCursor: ${page.nextCursor ? `${page.nextCursor.slice(0, 24)}… (pass it back for the next page)` : 'null (last page)'}`);
    cursor = page.nextCursor;
  } while (cursor !== null);

  heading(out, `6. Lineage of the last snapshot ${shortId(lastId)}…`);
  const chain = await service.getLineage<AgentState>({ userId: DEV_USER, id: lastId });
  line(out, chain.map((s) => `step ${s.state.step}`).join(' <- ') + '  (root: parentId null)');
  return { pages, lineage: chain.map((s) => s.id) };
}

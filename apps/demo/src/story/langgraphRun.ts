import { createAgentStateSaver } from '@agentstate/langgraph';
import { Annotation, Command, END, INTERRUPT, START, StateGraph, interrupt } from '@langchain/langgraph';
import { heading, line, shortId } from '../output';
import { DEV_USER, type StoryContext } from './context';

export interface LangGraphFacts {
  threadId: string;
  /** the question the graph paused on */
  paused: string;
  /** the state's steps once resumed */
  steps: string[];
  /** rows of this run's thread per table */
  rows: Record<string, number>;
}

const State = Annotation.Root({
  steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/**
 * Part 8: a tiny LangGraph graph (draft -> review, which pauses for a human ->
 * publish) checkpointed by @agentstate/langgraph for the dev user, resumed
 * with a Command, and the rows it left: every checkpoint, channel value and
 * pending write belongs to the user and the thread by foreign key.
 */
export async function langgraphRun(ctx: StoryContext): Promise<LangGraphFacts> {
  const { out, prisma } = ctx;
  const threadId = `graph-${ctx.label}`;
  heading(out, `8. LangGraph: a graph checkpointed for ${DEV_USER} (thread ${threadId})`);
  const checkpointer = createAgentStateSaver({ prisma, environment: 'development', logger: ctx.logger });
  const graph = new StateGraph(State)
    .addNode('draft', () => ({ steps: ['draft'] }))
    .addNode('review', () => ({ steps: [`review: ${String(interrupt('publish the draft?'))}`] }))
    .addNode('publish', () => ({ steps: ['publish'] }))
    .addEdge(START, 'draft')
    .addEdge('draft', 'review')
    .addEdge('review', 'publish')
    .addEdge('publish', END)
    .compile({ checkpointer });
  // The owner is configurable.user_id, LangGraph's convention; the runtime passes it to the saver.
  const config = { configurable: { thread_id: threadId, user_id: DEV_USER } };

  const first = (await graph.invoke({ steps: [] }, config)) as Record<string, unknown>;
  const interrupts = (first[INTERRUPT] ?? []) as Array<{ value: unknown }>;
  const paused = String(interrupts[0]?.value ?? '(no interrupt)');
  line(out, `paused in review, asking: "${paused}"`);
  const done = await graph.invoke(new Command({ resume: 'yes' }), config);
  line(out, `resumed with "yes": steps ${done.steps.join(' -> ')}`);

  const latest = await graph.getState(config);
  line(out, `latest checkpoint ${shortId(String(latest.config.configurable?.checkpoint_id))}…, next: ${latest.next.length === 0 ? '(done)' : latest.next.join(', ')}`);
  const where = { userId: DEV_USER, threadId };
  const rows = {
    agent_threads: await prisma.agentThread.count({ where: { userId: DEV_USER, id: threadId } }),
    agent_checkpoints: await prisma.agentCheckpoint.count({ where }),
    agent_checkpoint_blobs: await prisma.agentCheckpointBlob.count({ where }),
    agent_checkpoint_writes: await prisma.agentCheckpointWrite.count({ where }),
  };
  line(out, `rows it created: ${Object.entries(rows).map(([table, n]) => `${table}=${n}`).join(' ')} (user_id=${DEV_USER}, foreign keys to userbase and agent_threads)`);
  return { threadId, paused, steps: done.steps, rows };
}

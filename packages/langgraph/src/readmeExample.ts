import type { DatabaseClient } from '@agentstate/db';
import { createAgentStateSaver } from '@agentstate/langgraph';
import { Annotation, Command, END, START, StateGraph, interrupt } from '@langchain/langgraph';

// The LangGraph guide's example, verbatim (readmeExample.test.ts runs it and checks docs/guides/langgraph.md shows it).
export async function langGraphExample(db: DatabaseClient) {
  // Same policy as saveSnapshot: dev-temp-/test- users are created only where AGENT_STATE_ENV/NODE_ENV
  // says development or test; in production a missing user is a typed error, never a silent insert.
  const checkpointer = createAgentStateSaver({ prisma: db.prisma, sql: db.sql });

  const State = Annotation.Root({ steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }) });
  const graph = new StateGraph(State)
    .addNode('draft', () => ({ steps: ['draft'] }))
    .addNode('review', () => ({ steps: [`review: ${interrupt('publish?')}`] })) // pauses for a human
    .addNode('publish', () => ({ steps: ['publish'] }))
    .addEdge(START, 'draft')
    .addEdge('draft', 'review')
    .addEdge('review', 'publish')
    .addEdge('publish', END)
    .compile({ checkpointer });

  // The owner is configurable.user_id (LangGraph passes the caller's configurable to the saver).
  const config = { configurable: { thread_id: 'thread-1', user_id: 'dev-temp-a4327ed3' } };
  await graph.invoke({ steps: [] }, config); // runs draft, pauses in review
  const done = await graph.invoke(new Command({ resume: 'yes' }), config); // resumes, also after a restart
  const history = [];
  for await (const snapshot of graph.getStateHistory(config)) history.push(snapshot); // this user's only

  // LangGraph calls deleteThread(threadId) without a config: scope the saver to the user first.
  await checkpointer.forUser('dev-temp-a4327ed3').deleteThread('thread-1');
  return { steps: done.steps, history };
}

/**
 * A real LangGraph StateGraph (deterministic nodes, no model) on the saver:
 * a multi-step run, interrupt() then resume with Command after a "process
 * restart" (a new saver on the same database), getState / getStateHistory,
 * and time travel (a fork from an earlier checkpoint, with its lineage).
 */
import { describeEachDatabase } from '@agentstate/db/testing';
import { Annotation, Command, END, INTERRUPT, START, StateGraph, interrupt, type BaseCheckpointSaver } from '@langchain/langgraph';
import { testSaver, unique } from './testing';

const State = Annotation.Root({
  steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  approved: Annotation<boolean>(),
});

function buildGraph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(State)
    .addNode('plan', () => ({ steps: ['plan'] }))
    .addNode('review', () => {
      const answer = interrupt({ question: 'approve the plan?' });
      return { approved: answer === 'yes', steps: ['review'] };
    })
    .addNode('act', (state) => ({ steps: [state.approved ? 'act' : 'skip'] }))
    .addEdge(START, 'plan')
    .addEdge('plan', 'review')
    .addEdge('review', 'act')
    .addEdge('act', END)
    .compile({ checkpointer });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describeEachDatabase('a LangGraph StateGraph on the saver', (db) => {
  it('runs, interrupts, resumes after a restart, keeps history per user, and forks from an earlier checkpoint', async () => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    const config = { configurable: { thread_id: 'graph-thread', user_id: userId } };

    const first = await buildGraph(testSaver(db(), { environment: 'development' })).invoke({ steps: [] }, config);
    expect((first as Record<string, unknown>)[INTERRUPT]).toEqual([expect.objectContaining({ value: { question: 'approve the plan?' } })]);

    // "Process restart": a new saver and graph on the same database.
    const graph = buildGraph(testSaver(db(), { environment: 'development' }));
    const paused = await graph.getState(config);
    expect(paused.next).toEqual(['review']);
    expect(paused.values.steps).toEqual(['plan']);

    const done = await graph.invoke(new Command({ resume: 'yes' }), config);
    expect(done.steps).toEqual(['plan', 'review', 'act']);
    expect((await graph.getState(config)).next).toEqual([]);

    const history = await collect(graph.getStateHistory(config));
    expect(history.map((s) => s.next)).toEqual([[], ['act'], ['review'], ['plan'], ['__start__']]);
    expect(await prisma.agentCheckpoint.count({ where: { userId, threadId: 'graph-thread' } })).toBe(history.length);
    expect(await prisma.user.count({ where: { id: userId } })).toBe(1);

    // Another user with the same thread id sees nothing.
    const stranger = await graph.getState({ configurable: { thread_id: 'graph-thread', user_id: unique('dev-temp-') } });
    expect(stranger.values).toEqual({});

    // Time travel: replay from the checkpoint before 'plan' ran (a fork), pause again, answer differently.
    // (Re-resuming the paused checkpoint itself would reuse review's stored writes: LangGraph's semantics.)
    const beforePlan = history.find((s) => s.next[0] === 'plan');
    const forkFrom = beforePlan?.config.configurable?.checkpoint_id as string;
    const replayed = await graph.invoke(null, { configurable: { ...config.configurable, checkpoint_id: forkFrom } });
    expect((replayed as Record<string, unknown>)[INTERRUPT]).toHaveLength(1);
    const forked = await graph.invoke(new Command({ resume: 'no' }), config);
    expect(forked.steps).toEqual(['plan', 'review', 'skip']);
    const latest = await graph.getState(config);
    expect(latest.values.steps).toEqual(['plan', 'review', 'skip']);
    // lineage: walking parents from the fork's head reaches the checkpoint it forked from, not the first branch's head
    const byId = new Map((await collect(graph.getStateHistory(config))).map((s) => [s.config.configurable?.checkpoint_id as string, s]));
    const lineage: string[] = [];
    for (let id: string | undefined = latest.config.configurable?.checkpoint_id as string; id; id = byId.get(id)?.parentConfig?.configurable?.checkpoint_id as string | undefined) lineage.push(id);
    expect(lineage).toContain(forkFrom);
    expect(lineage).not.toContain(history[0]?.config.configurable?.checkpoint_id);
  });
});

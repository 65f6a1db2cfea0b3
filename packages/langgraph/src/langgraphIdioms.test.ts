/**
 * LangGraph's documented idioms, written as LangGraph's documentation writes
 * them, on a real StateGraph over the saver, with the owner in the config as
 * our users pass it: replay from a history snapshot's config, getState of a
 * snapshot's parentConfig, updateState then continue, history with before and
 * limit, a subgraph (checkpoint namespaces), interrupt/resume after a
 * restart. Each passes LangGraph's own configs back to the saver, so each
 * needs every config the saver returns to keep naming its owner; ownership
 * stays strict all the same.
 */
import { countAllRows, describeEachDatabase } from '@agentstate/db/testing';
import { Annotation, Command, END, INTERRUPT, START, StateGraph, interrupt, type BaseCheckpointSaver, type StateSnapshot } from '@langchain/langgraph';
import { InvalidInputError } from '@agentstate/write-path';
import { MissingOwnerError } from './index';
import { collect } from './deltaTesting';
import { testSaver, unique } from './testing';

const JokeState = Annotation.Root({ topic: Annotation<string>, joke: Annotation<string> });

/** LangGraph's time-travel example: generate a topic, then write a joke about it. */
function jokeGraph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(JokeState)
    .addNode('generateTopic', () => ({ topic: 'cats' }))
    .addNode('writeJoke', (state) => ({ joke: `a joke about ${state.topic}` }))
    .addEdge(START, 'generateTopic')
    .addEdge('generateTopic', 'writeJoke')
    .addEdge('writeJoke', END)
    .compile({ checkpointer });
}

const SubState = Annotation.Root({ draft: Annotation<string>, approved: Annotation<string> });
const ParentState = Annotation.Root({ draft: Annotation<string>, approved: Annotation<string>, published: Annotation<boolean> });

/** A parent graph whose 'review' node is a subgraph that pauses for a human (its checkpoints live in their own namespace). */
function parentWithSubgraph(checkpointer: BaseCheckpointSaver) {
  const review = new StateGraph(SubState)
    .addNode('propose', (state) => ({ draft: `${state.draft} (proposed)` }))
    .addNode('approve', () => ({ approved: String(interrupt('approve?')) }))
    .addEdge(START, 'propose')
    .addEdge('propose', 'approve')
    .addEdge('approve', END)
    .compile();
  return new StateGraph(ParentState)
    .addNode('write', () => ({ draft: 'post' }))
    .addNode('review', review)
    .addNode('publish', (state) => ({ published: state.approved === 'yes' }))
    .addEdge(START, 'write')
    .addEdge('write', 'review')
    .addEdge('review', 'publish')
    .addEdge('publish', END)
    .compile({ checkpointer });
}

describeEachDatabase("LangGraph's idioms on the saver", (db) => {
  async function ranJokeGraph() {
    const config = { configurable: { thread_id: unique('thread-'), user_id: unique('test-') } };
    const graph = jokeGraph(testSaver(db()));
    await graph.invoke({}, config);
    const states: StateSnapshot[] = [];
    for await (const state of graph.getStateHistory(config)) states.push(state);
    return { graph, config, states };
  }

  it('replays from the config of a history snapshot: invoke(null, state.config)', async () => {
    const { graph, config, states } = await ranJokeGraph();
    expect(states.map((s) => s.next)).toEqual([[], ['writeJoke'], ['generateTopic'], ['__start__']]);
    const selected = states[1] as StateSnapshot;
    expect(selected.config.configurable?.user_id).toBe(config.configurable.user_id);
    const replayed = await graph.invoke(null, selected.config);
    expect(replayed.joke).toBe('a joke about cats');
    // the replay forked from the selected checkpoint: walking parents from the latest state reaches it
    const lineage: string[] = [];
    for (let state: StateSnapshot | undefined = await graph.getState(config); state?.parentConfig; state = await graph.getState(state.parentConfig)) {
      lineage.push(state.parentConfig.configurable?.checkpoint_id as string);
    }
    expect(lineage).toContain(selected.config.configurable?.checkpoint_id);
    expect(lineage).not.toContain(states[0]?.config.configurable?.checkpoint_id);
  });

  it('reads the state before a snapshot: getState(state.parentConfig)', async () => {
    const { graph, states } = await ranJokeGraph();
    const [last, beforeJoke] = states as [StateSnapshot, StateSnapshot];
    const parent = await graph.getState(last.parentConfig as NonNullable<StateSnapshot['parentConfig']>);
    expect(parent.values).toEqual(beforeJoke.values);
    expect(parent.next).toEqual(['writeJoke']);
    expect(parent.config.configurable?.checkpoint_id).toBe(beforeJoke.config.configurable?.checkpoint_id);
  });

  it('edits a past state and continues: updateState(state.config, values), then invoke(null, newConfig)', async () => {
    const { graph, config, states } = await ranJokeGraph();
    const selected = states[1] as StateSnapshot;
    const newConfig = await graph.updateState(selected.config, { topic: 'chickens' });
    expect(newConfig.configurable?.user_id).toBe(config.configurable.user_id);
    const result = await graph.invoke(null, newConfig);
    expect(result).toEqual({ topic: 'chickens', joke: 'a joke about chickens' });
    expect((await graph.getState(config)).values.joke).toBe('a joke about chickens');
  });

  it('pages the history: getStateHistory(config, { before: state.config, limit })', async () => {
    const { graph, config, states } = await ranJokeGraph();
    const page = await collect(graph.getStateHistory(config, { before: states[0]?.config, limit: 2 }));
    expect(page.map((s) => s.config.configurable?.checkpoint_id)).toEqual(states.slice(1, 3).map((s) => s.config.configurable?.checkpoint_id));
    const next = await collect(graph.getStateHistory(config, { before: page[1]?.config, limit: 2 }));
    expect(next.map((s) => s.next)).toEqual([['__start__']]);
  });

  it('interrupts in a subgraph, resumes after a restart, and keeps the namespaces apart', async () => {
    const config = { configurable: { thread_id: unique('thread-'), user_id: unique('test-') } };
    const first = await parentWithSubgraph(testSaver(db())).invoke({}, config);
    expect((first as Record<string, unknown>)[INTERRUPT]).toEqual([expect.objectContaining({ value: 'approve?' })]);

    // "Process restart": a new saver and graph on the same database.
    const graph = parentWithSubgraph(testSaver(db()));
    const paused = await graph.getState(config);
    expect(paused.next).toEqual(['review']);
    const subgraphConfig = paused.tasks[0]?.state as { configurable: { checkpoint_ns: string } };
    expect(subgraphConfig.configurable.checkpoint_ns).toMatch(/^review:/);
    // The subgraph's own history, read through the parent with the caller's config and the task's namespace.
    const subHistory = await collect(graph.getStateHistory({ configurable: { ...config.configurable, checkpoint_ns: subgraphConfig.configurable.checkpoint_ns } }));
    expect(subHistory[0]?.values).toEqual({ draft: 'post (proposed)' });
    expect(subHistory[0]?.next).toEqual(['approve']);

    const done = await graph.invoke(new Command({ resume: 'yes' }), config);
    expect(done).toEqual({ draft: 'post (proposed)', approved: 'yes', published: true });
    const history = await collect(graph.getStateHistory(config));
    expect(history.map((s) => s.next)).toEqual([[], ['publish'], ['review'], ['write'], ['__start__']]);
    // replaying the parent from before the subgraph ran runs the subgraph again, which pauses again
    const beforeReview = history.find((s) => s.next[0] === 'review') as StateSnapshot;
    const replayed = await graph.invoke(null, beforeReview.config);
    expect((replayed as Record<string, unknown>)[INTERRUPT]).toHaveLength(1);
  });

  it("getState(config, { subgraphs: true }) builds the subgraph's config from thread and namespace only: the unscoped saver refuses it (MissingOwnerError), a saver scoped with forUser answers it", async () => {
    const userId = unique('test-');
    const config = { configurable: { thread_id: unique('thread-'), user_id: userId } };
    const saver = testSaver(db());
    await parentWithSubgraph(saver).invoke({}, config);
    await expect(parentWithSubgraph(saver).getState(config, { subgraphs: true })).rejects.toBeInstanceOf(MissingOwnerError);

    // LangGraph's subgraph how-to, on a graph compiled with the user's scoped saver (no user_id needed in the config then).
    const graph = parentWithSubgraph(saver.forUser(userId));
    const state = await graph.getState(config, { subgraphs: true });
    const subState = state.tasks[0]?.state as StateSnapshot;
    expect(subState.values).toEqual({ draft: 'post (proposed)' });
    expect(subState.next).toEqual(['approve']);
    await graph.updateState(subState.config, { draft: 'post (edited)' });
    const done = await graph.invoke(new Command({ resume: 'yes' }), config);
    expect(done).toEqual({ draft: 'post (edited)', approved: 'yes', published: true });
  });
});

describeEachDatabase('ownership stays strict with owner-carrying configs', (db) => {
  it("a config naming another user sees nothing of the thread and writes nothing into it; a saver scoped to another user refuses the config", async () => {
    const { prisma } = db();
    const owner = unique('test-');
    const stranger = unique('test-');
    const config = { configurable: { thread_id: unique('thread-'), user_id: owner } };
    const graph = jokeGraph(testSaver(db()));
    await graph.invoke({}, config);
    const states = await collect(graph.getStateHistory(config));
    const before = await prisma.agentCheckpoint.count({ where: { userId: owner } });

    // The owner's own config, with the user swapped: nothing of the owner's is found, read or continued.
    const swapped = (state: StateSnapshot) => ({ configurable: { ...state.config.configurable, user_id: stranger } });
    expect((await graph.getState(swapped(states[1] as StateSnapshot))).values).toEqual({});
    expect(await collect(graph.getStateHistory({ configurable: { ...config.configurable, user_id: stranger } }))).toEqual([]);
    await graph.invoke(null, swapped(states[1] as StateSnapshot)).catch(() => undefined);
    await graph.updateState(swapped(states[1] as StateSnapshot), { topic: 'stolen' }).catch(() => undefined);
    expect(await prisma.agentCheckpoint.count({ where: { userId: owner } })).toBe(before);
    expect((await graph.getState(config)).values).toEqual({ topic: 'cats', joke: 'a joke about cats' });
    const strangersView = await graph.getState({ configurable: { ...config.configurable, user_id: stranger } });
    expect(strangersView.values).not.toMatchObject({ joke: 'a joke about cats' });

    // A config returned for the owner, given to a graph whose saver is scoped to someone else: refused.
    await expect(jokeGraph(testSaver(db()).forUser(stranger)).getState(states[1]?.config ?? {})).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('no default user is invented: a config without user_id (and no defaultUserId) fails with MissingOwnerError and writes nothing', async () => {
    const { prisma } = db();
    const graph = jokeGraph(testSaver(db()));
    const before = await countAllRows(prisma);
    const config = { configurable: { thread_id: unique('thread-') } };
    await expect(graph.invoke({}, config)).rejects.toBeInstanceOf(MissingOwnerError);
    await expect(graph.getState(config)).rejects.toBeInstanceOf(MissingOwnerError);
    expect(await countAllRows(prisma)).toEqual(before);
  });

  it('configs of a saver whose owner is not from the config (defaultUserId, forUser) carry no user_id, as before', async () => {
    const owner = unique('test-');
    const config = { configurable: { thread_id: unique('thread-') } };
    for (const saver of [testSaver(db(), { defaultUserId: owner }), testSaver(db()).forUser(owner)]) {
      const graph = jokeGraph(saver);
      await graph.invoke({}, config);
      const states = await collect(graph.getStateHistory(config));
      expect(states.every((s) => s.config.configurable?.user_id === undefined && s.parentConfig?.configurable?.user_id === undefined)).toBe(true);
      expect((await graph.invoke(null, states[1]?.config ?? {})).joke).toBe('a joke about cats');
    }
  });
});

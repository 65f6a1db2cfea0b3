/**
 * Growing-state storage on the saver (docs/concepts/growing-state.md): a
 * plain MessagesValue chat, differentially against LangGraph's MemorySaver
 * with seeded random turns, edits of earlier messages (updateState with an
 * existing message id), forks from earlier checkpoints and restarts (a new
 * saver: an empty element cache), on PGlite and PostgreSQL; then retention
 * and deleteThread collect the elements no checkpoint needs.
 */
import { describeEachDatabase, pick, seededRandom } from '@agentstate/db/testing';
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { END, MemorySaver, MessagesValue, START, StateGraph, StateSchema, type BaseCheckpointSaver, type StateSnapshot } from '@langchain/langgraph';
import { z } from 'zod';
import { collect, comparable, ranksOf } from './deltaTesting';
import { testSaver, unique } from './testing';

const PAD = 'lorem ipsum dolor sit amet, "quoted" \\ é ✓ '.repeat(20);

function buildGraph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(new StateSchema({ messages: MessagesValue, turns: z.number().default(0) }))
    .addNode('chat', (state: { messages: BaseMessage[]; turns: number }) => ({
      messages: [new AIMessage({ id: `ai-${state.messages.length}`, content: `re: ${String(state.messages.at(-1)?.content ?? '').slice(0, 40)} ${PAD}` })],
      turns: state.turns + 1,
    }))
    .addEdge(START, 'chat')
    .addEdge('chat', END)
    .compile({ checkpointer });
}

type Graph = ReturnType<typeof buildGraph>;
interface Side {
  graph: Graph;
  config: { configurable: Record<string, unknown> };
  ids(): Promise<string[]>;
}

async function expectSameReads(sides: [Side, Side], withHistory: boolean): Promise<void> {
  const views = [];
  for (const { graph, config, ids } of sides) {
    const ranks = ranksOf(await ids());
    const latest = await graph.getState(config);
    const history = withHistory ? await collect(graph.getStateHistory(config)) : [];
    views.push({ latest: comparable(latest, ranks), history: history.map((s: StateSnapshot) => comparable(s, ranks)) });
  }
  expect(views[0]).toEqual(views[1]);
}

describeEachDatabase('growing-state storage on the saver (MessagesValue)', (db, kind) => {
  const seed = kind === 'pglite' ? 5 : 17;
  it(`reads exactly as MemorySaver through seeded turns, edits, forks and restarts (seed ${seed}), storing messages as elements`, async () => {
    const random = seededRandom(seed);
    const { prisma } = db();
    const userId = unique('test-');
    const options = { growingState: { minBytes: 2048 } };
    const ids = async () => (await prisma.agentCheckpoint.findMany({ where: { userId }, select: { checkpointId: true } })).map((r) => r.checkpointId);
    const ours: Side = { graph: buildGraph(testSaver(db(), options)), config: { configurable: { thread_id: 'grow', user_id: userId } }, ids };
    const memory = new MemorySaver();
    const memoryIds = async () => Object.values(memory.storage['grow'] ?? {}).flatMap((byId) => Object.keys(byId));
    const reference: Side = { graph: buildGraph(memory), config: { configurable: { thread_id: 'grow' } }, ids: memoryIds };
    const sides: [Side, Side] = [ours, reference];
    const counts: Record<string, number> = {};
    for (let step = 0; step < 30; step++) {
      const op = step < 4 ? 'turn' : pick(random, ['turn', 'turn', 'turn', 'edit', 'fork', 'restart']);
      counts[op] = (counts[op] ?? 0) + 1;
      if (op === 'turn') {
        for (const side of sides) await side.graph.invoke({ messages: [new HumanMessage({ id: `h${step}`, content: `hello ${step} ${PAD}` })] }, side.config);
      } else if (op === 'edit') {
        const target = `h${Math.floor(random() * step)}`;
        for (const side of sides) {
          const known = (await side.graph.getState(side.config)).values.messages as BaseMessage[];
          if (known.some((m) => m.id === target)) await side.graph.updateState(side.config, { messages: [new HumanMessage({ id: target, content: `edited ${step}` })] }, 'chat');
        }
      } else if (op === 'fork') {
        const histories = await Promise.all(sides.map((side) => collect(side.graph.getStateHistory(side.config))));
        const index = Math.floor(random() * (histories[0]?.length ?? 0));
        for (const side of sides) {
          const selected = histories[sides.indexOf(side)]?.[index] as StateSnapshot;
          await side.graph.invoke({ messages: [new HumanMessage({ id: `f${step}`, content: `fork ${step} ${PAD}` })] }, selected.config);
        }
      } else {
        ours.graph = buildGraph(testSaver(db(), options));
      }
      await expectSameReads(sides, step % 10 === 9);
    }
    await expectSameReads(sides, true);
    expect(Object.keys(counts).sort()).toEqual(['edit', 'fork', 'restart', 'turn']);
    const [layouts] = await prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM agent_checkpoint_blobs WHERE user_id = ${userId} AND layout IS NOT NULL`;
    expect(layouts?.n).toBeGreaterThan(10);
  }, 300_000);

  it('stores a 60-turn conversation in a fraction of the whole values, and prune / deleteThread leave no element unreferenced', async () => {
    const { prisma } = db();
    const userId = unique('test-');
    const bytesOf = async (threadId: string) => {
      const [row] = await prisma.$queryRaw<Array<{ bytes: number }>>`
        SELECT ((SELECT coalesce(sum(octet_length(blob)), 0) + coalesce(sum(octet_length(layout::text)), 0) FROM agent_checkpoint_blobs WHERE user_id = ${userId} AND thread_id = ${threadId})
              + (SELECT coalesce(sum(octet_length(body)), 0) FROM agent_state_elements WHERE user_id = ${userId} AND thread_id = ${threadId}))::int8::int AS bytes`;
      return Number(row?.bytes);
    };
    const run = async (threadId: string, growingState: false | undefined) => {
      const saver = testSaver(db(), growingState === false ? { growingState } : {});
      const graph = buildGraph(saver);
      const config = { configurable: { thread_id: threadId, user_id: userId } };
      for (let i = 0; i < 60; i++) await graph.invoke({ messages: [new HumanMessage({ id: `h${i}`, content: `turn ${i} ${PAD}` })] }, config);
      return { saver, graph, config };
    };
    const growing = await run('growing', undefined);
    await run('whole', false);
    const [grown, whole] = [await bytesOf('growing'), await bytesOf('whole')];
    expect(grown).toBeLessThan(whole / 10);
    const before = await growing.graph.getState(growing.config);
    const unreferenced = async () => {
      const [row] = await prisma.$queryRaw<Array<{ n: number }>>`
        SELECT count(*)::int AS n FROM agent_state_elements e WHERE e.user_id = ${userId} AND NOT EXISTS (
          SELECT 1 FROM agent_checkpoint_blobs b, jsonb_array_elements(b.layout) r(v)
          WHERE b.user_id = e.user_id AND b.thread_id = e.thread_id AND jsonb_typeof(r.v) = 'array' AND e.seq BETWEEN (r.v->>0)::int8 AND (r.v->>1)::int8)`;
      return row?.n;
    };
    await growing.saver.prune({ userId, threadId: 'growing', keepLast: 1 });
    expect(await unreferenced()).toBe(0);
    expect(JSON.parse(JSON.stringify((await growing.graph.getState(growing.config)).values))).toEqual(JSON.parse(JSON.stringify(before.values)));
    await growing.saver.forUser(userId).deleteThread('growing');
    const [left] = await prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM agent_state_elements WHERE user_id = ${userId} AND thread_id = 'growing'`;
    expect(left?.n).toBe(0);
  }, 300_000);
});

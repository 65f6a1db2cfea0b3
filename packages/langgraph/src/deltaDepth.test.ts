/**
 * getDeltaChannelHistory is one statement at any depth: the statements of one
 * graph.getState of a MessagesDeltaValue chat counted at turn 10 and turn 200,
 * and the result compared with LangGraph's inherited walk (one getTuple per
 * ancestor) over the same saver. PostgreSQL only: the statements are the same
 * on PGlite, where the 200 turns take several times longer to build.
 */
import { describePostgres } from '@agentstate/db/testing';
import { HumanMessage } from '@langchain/core/messages';
import { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import { buildChatGraph, countingDatabase } from './deltaTesting';
import { testSaver, unique } from './testing';

describePostgres('getDeltaChannelHistory at depth', (db) => {
  it('one getState sends the same statements at turn 200 as at turn 10, and reads what the inherited walk reads', async () => {
    const config = { configurable: { thread_id: 'long', user_id: unique('test-') } };
    const counted = countingDatabase(db());
    const graph = buildChatGraph(testSaver(counted.db));
    const statementsAt = new Map<number, number>();
    const expected: string[] = []; // message ids the graph produces, in order
    for (let turn = 1; turn <= 200; turn++) {
      // every 5th turn fans out (left and right add a message each): turn 200 is not a snapshot turn of MessagesDeltaValue
      const fan = turn % 5 === 0;
      await graph.invoke({ messages: [new HumanMessage({ id: `h${turn}`, content: `${fan ? 'fan' : 'hello'} ${turn}` })] }, config);
      expected.push(`h${turn}`, `ai-${expected.length + 1}`);
      if (fan) expected.push(`left-${expected.length}`, `right-${expected.length}`);
      if (turn === 10 || turn === 200) {
        counted.reset();
        const state = await graph.getState(config);
        statementsAt.set(turn, counted.statements());
        expect(state.values.messages.map((m: { id?: string }) => m.id)).toEqual(expected);
      }
    }
    // getTuple + getDeltaChannelHistory, at either depth
    expect(Object.fromEntries(statementsAt)).toEqual({ 10: 2, 200: 2 });
    // LangGraph's inherited walk over the same saver: one getTuple per ancestor back to the last snapshot, and the same result
    const saver = testSaver(counted.db);
    const tuple = await saver.getTuple(config);
    const request = { config: tuple?.config ?? config, channels: ['messages'] };
    counted.reset();
    const inherited = await BaseCheckpointSaver.prototype.getDeltaChannelHistory.call(saver, request);
    const inheritedStatements = counted.statements();
    counted.reset();
    const ours = await saver.getDeltaChannelHistory(request);
    expect(counted.statements()).toBe(1);
    expect(inheritedStatements).toBeGreaterThan(50);
    expect(ours).toEqual(inherited);
    expect(ours.messages?.seed).toBeDefined(); // the walk stopped at a MessagesDeltaValue snapshot
  }, 180_000);
});

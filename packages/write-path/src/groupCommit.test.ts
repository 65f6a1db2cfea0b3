/**
 * The scheduling of group commit, on statements that only record what they
 * were given (what the statements do on a real database:
 * snapshotBatcher.test.ts and the LangGraph saver's checkpointBatcher.test.ts).
 */
import { GroupCommit, type GroupCommitStatements } from './groupCommit';

function recording(options: { maxInFlight?: number } = {}) {
  const sent: number[][] = [];
  const open: Array<() => void> = [];
  // each statement stays in flight until the test lets it return
  const statement = <T>(writes: number[], result: T) =>
    new Promise<T>((resolve) => {
      sent.push(writes);
      open.push(() => resolve(result));
    });
  const statements: GroupCommitStatements<number, number> = {
    one: (write) => statement([write], write),
    many: (writes) => statement(writes, writes),
    bytes: () => 1,
    retry: 'parallel',
  };
  const returnAll = async () => {
    for (const done of open.splice(0)) done();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { group: new GroupCommit(statements, options), sent, returnAll };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit scheduling', () => {
  it('a lone write goes out by itself, without waiting for a timer', async () => {
    const { group, sent, returnAll } = recording();
    const answer = group.insert(7);
    await tick();
    expect(sent).toEqual([[7]]);
    await returnAll();
    await expect(answer).resolves.toBe(7);
  });

  it('writes that arrive in the same tick are shared evenly among the free statements', async () => {
    const { group, sent, returnAll } = recording({ maxInFlight: 2 });
    const answers = Array.from({ length: 10 }, (_, i) => group.insert(i));
    await tick();
    expect(sent).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
    ]);
    await returnAll();
    await expect(Promise.all(answers)).resolves.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('while every statement is in flight, writes wait and then go out together, in arrival order', async () => {
    const { group, sent, returnAll } = recording({ maxInFlight: 1 });
    const first = group.insert(1);
    await tick();
    const later = [group.insert(2), group.insert(3)];
    await tick();
    const more = group.insert(4);
    await tick();
    expect(sent).toEqual([[1]]);
    await returnAll();
    expect(sent).toEqual([[1], [2, 3, 4]]);
    await returnAll();
    await expect(Promise.all([first, ...later, more])).resolves.toEqual([1, 2, 3, 4]);
  });

  it('callers answered by one statement who write again at once are sent together, not one of them first', async () => {
    const { group, sent, returnAll } = recording({ maxInFlight: 2 });
    // eight callers, each writing again as soon as its first write is answered
    const callers = Array.from({ length: 8 }, (_, i) => group.insert(i).then((n) => group.insert(n + 100)));
    await tick();
    expect(sent).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    await returnAll();
    expect(sent.slice(2)).toEqual([
      [100, 101, 102, 103],
      [104, 105, 106, 107],
    ]);
    await returnAll();
    await expect(Promise.all(callers)).resolves.toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
  });
});

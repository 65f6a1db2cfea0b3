import { DelayLine } from './delayLine';

const chunk = (text: string) => Buffer.from(text);

describe('DelayLine', () => {
  it('makes each chunk due half the round trip after it arrived, and hands out only what is due, in arrival order', () => {
    const line = new DelayLine<string>(0.5);
    line.push('server', chunk('a'), 10);
    line.push('client', chunk('b'), 10.2);
    line.push('server', chunk('c'), 10.3);
    expect(line.nextDueMs()).toBe(10.5);
    expect(line.takeDue(10.49)).toEqual([]);
    expect(line.takeDue(10.7).map((d) => [d.target, d.bytes?.toString(), d.dueMs])).toEqual([
      ['server', 'a', 10.5],
      ['client', 'b', 10.7],
    ]);
    expect(line.size).toBe(1);
    expect(line.takeDue(100).map((d) => d.bytes?.toString())).toEqual(['c']);
    expect(line.nextDueMs()).toBe(Number.POSITIVE_INFINITY);
  });

  it('never lets a chunk overtake an earlier one, even when the clock steps back, and never makes one due early', () => {
    const line = new DelayLine<number>(1);
    const arrivals = [5, 4.2, 6, 5.5, 7];
    const deliveries = arrivals.map((at, i) => line.push(i % 2, chunk(String(i)), at));
    for (const [i, d] of deliveries.entries()) {
      expect(d.dueMs).toBeGreaterThanOrEqual(d.arrivedMs + 1);
      if (i > 0) expect(d.dueMs).toBeGreaterThanOrEqual((deliveries[i - 1] as { dueMs: number }).dueMs);
    }
    expect(line.takeDue(Number.POSITIVE_INFINITY).map((d) => d.bytes?.toString())).toEqual(['0', '1', '2', '3', '4']);
  });

  it('keeps the end of a stream behind its data, and drops what was bound for a closed socket', () => {
    const line = new DelayLine<string>(0);
    line.push('a', chunk('x'), 1);
    line.push('b', chunk('y'), 1);
    line.push('a', null, 2);
    line.dropTarget('b');
    expect(line.takeDue(2).map((d) => [d.target, d.bytes?.toString() ?? 'END'])).toEqual([
      ['a', 'x'],
      ['a', 'END'],
    ]);
  });

  it('refuses a negative or non-finite delay', () => {
    for (const bad of [-0.1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => new DelayLine(bad)).toThrow(RangeError);
  });
});

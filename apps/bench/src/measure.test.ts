import { roundOrder } from './measure';

describe('roundOrder', () => {
  it('is a permutation of the contenders, the same for the same round', () => {
    for (const count of [1, 2, 7, 18]) {
      for (let round = 0; round < 10; round++) {
        const order = roundOrder(count, round);
        expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
        expect(roundOrder(count, round)).toEqual(order);
      }
    }
  });

  it('does not keep any contender right behind the same one over a run', () => {
    const count = 18;
    const rounds = 10;
    for (let contender = 0; contender < count; contender++) {
      const before = new Set<number>();
      for (let round = 0; round < rounds; round++) {
        const order = roundOrder(count, round);
        const position = order.indexOf(contender);
        if (position > 0) before.add(order[position - 1] as number);
      }
      expect(before.size).toBeGreaterThan(1);
    }
  });
});

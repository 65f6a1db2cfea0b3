import { seededRandom } from '@agentstate/db/testing';

/**
 * The contenders' order in one round: a permutation of 0..count-1, shuffled
 * (Fisher-Yates) with the round as seed, so a run is repeatable and no
 * contender always runs right after the same one: a fixed rotation kept
 * every contender behind the same neighbour, so whatever a batch leaves
 * behind (garbage, warm connections of another pool, server caches) fell on
 * the same next contender every round.
 */
export function roundOrder(count: number, round: number): number[] {
  const random = seededRandom(0x9e3779b9 ^ round);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

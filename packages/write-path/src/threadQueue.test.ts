import { ThreadTurns } from './threadQueue';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('in-process turns per thread', () => {
  it('serialises callers of one key in arrival order, and lets other keys run at once', async () => {
    const turns = new ThreadTurns();
    const order: string[] = [];
    const work = async (key: string, name: string) => {
      const release = await turns.acquire(key, 1000, () => new Error('timeout'));
      order.push(`start ${name}`);
      await tick();
      order.push(`end ${name}`);
      release();
    };
    await Promise.all([work('t', 'a'), work('t', 'b'), work('u', 'c')]);
    expect(order.indexOf('end a')).toBeLessThan(order.indexOf('start b'));
    expect(order.indexOf('start c')).toBeLessThan(order.indexOf('end a'));
  });

  it('gives up after the timeout, and a caller behind a timed-out one still gets its turn', async () => {
    const turns = new ThreadTurns();
    const holder = await turns.acquire('t', 1000, () => new Error('x'));
    await expect(turns.acquire('t', 20, () => new Error('busy'))).rejects.toThrow('busy');
    const later = turns.acquire('t', 1000, () => new Error('late'));
    holder();
    const release = await later;
    release();
  });
});

/**
 * What the link really adds, as a client sees it: the median time of
 * `SELECT 1` through the link and on a direct connection, alternated query by
 * query on two connections (so load hits both alike), after a few untimed ones.
 */
import pg from 'pg';
import { median, round } from '../stats';

export interface AchievedRtt {
  queries: number;
  linkMedianMs: number;
  directMedianMs: number;
  /** link − direct: the round-trip time the link added */
  addedMs: number;
}

export async function measureAchievedRtt(linkUrl: string, directUrl: string, queries = 100): Promise<AchievedRtt> {
  const clients = [new pg.Client({ connectionString: linkUrl }), new pg.Client({ connectionString: directUrl })] as const;
  for (const client of clients) client.on('error', () => {});
  try {
    for (const client of clients) await client.connect();
    const timings: [number[], number[]] = [[], []];
    for (let i = 0; i < queries + 10; i++) {
      for (const side of [0, 1] as const) {
        const started = performance.now();
        await clients[side].query('SELECT 1');
        if (i >= 10) timings[side].push(performance.now() - started);
      }
    }
    const [link, direct] = timings.map(median) as [number, number];
    return { queries, linkMedianMs: round(link, 4), directMedianMs: round(direct, 4), addedMs: round(link - direct, 4) };
  } finally {
    await Promise.allSettled(clients.map((c) => c.end()));
  }
}

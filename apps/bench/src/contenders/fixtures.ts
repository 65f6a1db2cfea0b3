import type { SqlRunner } from '../clients';
import { THREAD } from './types';

/** Users `<prefix>-0..count-1`, each with thread THREAD, created if missing (setup, outside timing). */
export async function ensureUsersWithThread(sql: SqlRunner, prefix: string, count: number): Promise<void> {
  await sql.query(
    `INSERT INTO userbase (id, email) SELECT $1::text || '-' || g, $1::text || '-' || g || '@bench.invalid' FROM generate_series(0, $2::int - 1) g
     ON CONFLICT DO NOTHING`,
    [prefix, count],
  );
  await sql.query(
    `INSERT INTO agent_threads (user_id, id) SELECT $1::text || '-' || g, $3::text FROM generate_series(0, $2::int - 1) g ON CONFLICT DO NOTHING`,
    [prefix, count, THREAD],
  );
}

export const userOf = (prefix: string, worker: number) => `${prefix}-${worker}`;

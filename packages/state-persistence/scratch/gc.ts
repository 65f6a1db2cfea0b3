import { createPrismaClient } from '@agentstate/db';
import { createEmptyPostgresDatabase } from '@agentstate/db/testing';
import { migratePostgres } from '@agentstate/db';
import { createMemoryLogger } from '@agentstate/logger';
import { createStatePersistence } from '../src/index';
import pg from 'pg';

const KB = 1024;
const payload = (n: number) => ({ messages: Array.from({ length: Math.ceil(n / 64) }, (_, i) => `message ${i} lorem ipsum dolor sit amet consectetur`) });
async function main() {
  const size = Number(process.argv[2] ?? 1) * KB;
  const database = await createEmptyPostgresDatabase();
  await migratePostgres(database.url);
  const db = await createPrismaClient({ config: { provider: 'postgresql', url: database.url }, poolSize: 16 });
  const pool = new pg.Pool({ connectionString: database.url, max: 16 });
  const state = payload(size);
  const json = JSON.stringify(state);
  const logger = createMemoryLogger({ level: 'error' }).logger;
  const variants: Record<string, (w: number, i: number) => Promise<unknown>> = {};
  for (const [name, gc] of [['gc-off', false], ['gc-2', { maxInFlight: 2 }], ['gc-4', { maxInFlight: 4 }], ['gc-8', { maxInFlight: 8 }]] as const) {
    const s = createStatePersistence({ prisma: db.prisma, sql: db.sql!, environment: 'development', logger, groupCommit: gc });
    for (let w = 0; w < 16; w++) await s.saveSnapshot({ userId: `dev-temp-${name}-${w}`, threadId: 't', runId: 'r', state });
    variants[name] = (w, i) => s.saveSnapshot({ userId: `dev-temp-${name}-${w}`, threadId: 't', runId: 'r', state });
  }
  variants['raw'] = (w) => pool.query('INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, state, metadata) VALUES ($1,$2,$3,$4::jsonb,$5::jsonb) RETURNING id, created_at', [`dev-temp-gc-off-${w}`, 't', 'r', json, '{}']);
  for (let round = 0; round < 3; round++) {
    for (const [name, op] of Object.entries(variants)) {
      const ops = size > 10 * KB ? 400 : 2000;
      let next = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: 16 }, async (_, w) => { while (next < ops) { const i = next++; await op(w, i); } }));
      const s = (performance.now() - t0) / 1000;
      console.log(`round ${round} ${name}: ${(ops / s).toFixed(0)} ops/s`);
    }
  }
  await pool.end(); await db.close(); await database.drop();
}
main();

import { createPrismaClient, type SqlRunner } from '@agentstate/db';
import { createStatePersistence } from '@agentstate/state-persistence';
import { silentLogger } from '@agentstate/logger';
import { SERVICE_STEADY_SQL } from './diagnostics';

// D3 is only a bound for the steady save while it sends exactly the service's statement.
describe('D3, the service statement sent raw', () => {
  it('is the text a steady saveSnapshot sends', async () => {
    const db = await createPrismaClient({ config: { provider: 'pglite', dataDir: 'memory://' }, migrate: false });
    try {
      const texts: string[] = [];
      const sql: SqlRunner = {
        async query<Row>(text: string): Promise<Row[]> {
          texts.push(text);
          return [{ id: '0192f7c4-8a3b-4c5d-9e6f-123456789abc', created_ms: '1764300000000', ensure_missing: [], ensure_door_ok: true } as Row];
        },
      };
      const service = createStatePersistence({ prisma: db.prisma, sql, environment: 'production', logger: silentLogger, groupCommit: false });
      for (const runId of ['first', 'steady']) await service.saveSnapshot({ userId: 'existing-user', threadId: 'thread-1', runId, state: { n: 1 } });
      const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
      expect(texts).toHaveLength(2);
      expect(oneLine(texts[1]!)).toBe(SERVICE_STEADY_SQL);
    } finally {
      await db.close();
    }
  });
});

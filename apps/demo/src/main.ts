// Minimal demo: save and read back one snapshot for a dev-temp- user on the
// configured database (embedded PGlite unless DATABASE_URL is set).
import { randomBytes } from 'node:crypto';
import { createPrismaClient } from '@agentstate/db';
import { createLogger } from '@agentstate/logger';
import { createStatePersistence } from '@agentstate/state-persistence';

async function main(): Promise<void> {
  const db = await createPrismaClient();
  console.log(`database: ${db.description}`);
  try {
    const service = createStatePersistence({ prisma: db.prisma, environment: 'development', logger: createLogger({ level: 'warn' }) });
    const userId = `dev-temp-${randomBytes(4).toString('hex')}`;
    const saved = await service.saveSnapshot({ userId, threadId: 'demo-thread', runId: 'demo-run', state: { step: 1, at: new Date() } });
    if (saved.status !== 'saved') throw new Error(`unexpected: ${saved.status}`);
    console.log(`saved snapshot ${saved.snapshot.id} for ${userId} (user ${saved.provisioning})`);
    const latest = await service.getLatest({ userId, threadId: 'demo-thread' });
    console.log('read back:', latest?.state);
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

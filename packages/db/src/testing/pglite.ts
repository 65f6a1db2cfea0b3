import { createPrismaClient } from '../client';
import type { TestDatabase } from './types';

/** A migrated in-memory PGlite database. Creating one takes seconds: share it per test file. */
export async function createTestPglite(): Promise<TestDatabase> {
  const client = await createPrismaClient({ config: { provider: 'pglite', dataDir: 'memory://' }, migrate: true });
  return { ...client, kind: 'pglite' };
}

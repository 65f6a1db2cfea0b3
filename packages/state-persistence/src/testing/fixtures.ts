import { randomBytes } from 'node:crypto';
import type { DatabaseClient, PrismaClient } from '@agentstate/db';
import { createMemoryLogger } from '@agentstate/logger';
import type { Environment } from '@agentstate/policy';
import { createStatePersistence } from '../service';

/** A unique suffix so tests sharing one database never see each other's rows. */
export function unique(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/**
 * The service with an in-memory logger whose parsed JSON lines tests can read.
 * Given a test database, it also gets `db.sql` (PostgreSQL): saves then run
 * straight on the pg pool, as in production use; on PGlite through Prisma.
 */
export function serviceFor(source: PrismaClient | DatabaseClient, environment: Environment = 'development', extra: { maxStateBytes?: number } = {}) {
  const { logger, lines } = createMemoryLogger({ level: 'debug' });
  const database = 'prisma' in source ? source : { prisma: source, sql: undefined };
  const service = createStatePersistence({ prisma: database.prisma, ...(database.sql ? { sql: database.sql } : {}), environment, logger, ...extra });
  return { service, lines };
}

/** Log lines are written asynchronously by winston streams. */
export const flushLogs = () => new Promise((resolve) => setImmediate(resolve));

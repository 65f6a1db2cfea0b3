import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@agentstate/db';
import { createMemoryLogger } from '@agentstate/logger';
import type { Environment } from '@agentstate/policy';
import { createStatePersistence } from '../service';

/** A unique suffix so tests sharing one database never see each other's rows. */
export function unique(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** The service with an in-memory logger whose parsed JSON lines tests can read. */
export function serviceFor(prisma: PrismaClient, environment: Environment = 'development', extra: { maxStateBytes?: number } = {}) {
  const { logger, lines } = createMemoryLogger({ level: 'debug' });
  const service = createStatePersistence({ prisma, environment, logger, ...extra });
  return { service, lines };
}

/** Log lines are written asynchronously by winston streams. */
export const flushLogs = () => new Promise((resolve) => setImmediate(resolve));

import { createPrismaClient } from '@agentstate/db';
import { createLogger } from '@agentstate/logger';
import { createStatePersistence } from '@agentstate/state-persistence';
import type { ServeArgs } from './args';
import { startApiServer } from './server';

/** `serve`: the HTTP API on the configured database, until SIGINT/SIGTERM. */
export async function serve(args: ServeArgs): Promise<void> {
  const db = await createPrismaClient();
  // A server's audit trail is wanted: JSON lines on stdout (LOG_LEVEL to change).
  const logger = createLogger({ service: 'agentstate-demo-api' });
  const service = createStatePersistence({
    prisma: db.prisma,
    ...(db.sql ? { sql: db.sql } : {}), // PostgreSQL: saves run on the pool directly
    logger,
    ...(args.environment ? { environment: args.environment } : {}),
  });
  const running = await startApiServer({ service, logger, port: args.port, host: args.host }).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  console.log(`agent-state API listening on ${running.url} (environment: ${service.environment}; database: ${db.description})`);
  console.log('routes: POST /snapshots, GET /snapshots/:id, GET /snapshots/:id/lineage, GET /users/:userId/snapshots,');
  console.log('        GET /users/:userId/threads/:threadId/latest, DELETE /users/:userId   (Ctrl-C stops)');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: closing`);
    running
      .close()
      .then(() => db.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

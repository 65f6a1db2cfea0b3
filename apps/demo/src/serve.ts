import { createPrismaClient, type DatabaseClient } from '@agentstate/db';
import { createLogger, type Logger } from '@agentstate/logger';
import { AUTO_CREATE_CAPABLE_ENVIRONMENTS, type Environment } from '@agentstate/policy';
import { createStatePersistence, type StatePersistence } from '@agentstate/state-persistence';
import type { ServeArgs } from './args';
import { describeAuthConfig, parseAuthConfig, type AuthConfig } from './auth/config';
import { createTokenVerifier, type TokenVerifierOptions } from './auth/verify';
import { checkBindHost } from './bind';
import { describeRoutes, ROUTES } from './routes';
import { startApiServer, type RunningServer } from './server';

export interface ServePlan {
  auth: AuthConfig;
  /** listening beyond loopback, confirmed with --public */
  public: boolean;
}

/**
 * Everything `serve` decides before it opens anything, from the arguments
 * and the AUTH_* variables. Pure; throws AuthConfigError or BindRefusedError
 * (the CLI exits 2), so a misconfigured server never touches the database.
 */
export function planServe(args: ServeArgs, env: Readonly<Record<string, string | undefined>>): ServePlan {
  const auth = parseAuthConfig(env);
  return { auth, public: checkBindHost(args.host, args.public).public };
}

/** Start-up warnings worth a log line but not a refusal. Pure. */
export function serveWarnings(plan: ServePlan, environment: Environment): string[] {
  const warnings: string[] = [];
  if (plan.auth.keys.kind === 'jwks' && plan.auth.audience === undefined) {
    warnings.push('AUTH_JWKS_URL without AUTH_JWT_AUDIENCE: any token of that identity provider for any application is accepted; set the audience.');
  }
  if (plan.public && AUTO_CREATE_CAPABLE_ENVIRONMENTS.includes(environment)) {
    warnings.push(`listening beyond loopback in ${environment}: dev-temp-/test- users are created for any valid token's subject.`);
  }
  return warnings;
}

export interface StartServeOptions {
  args: ServeArgs;
  plan: ServePlan;
  db: DatabaseClient;
  logger: Logger;
  verifierOptions?: TokenVerifierOptions;
}

/**
 * The service and the server on an open database: the CLI and the tests
 * start through here. The service's environment comes from the process
 * (AGENT_STATE_ENV/NODE_ENV): `--env` may narrow it, never widen it.
 */
export async function startServe(options: StartServeOptions): Promise<{ running: RunningServer; service: StatePersistence }> {
  const { args, plan, db, logger } = options;
  const service = createStatePersistence({
    prisma: db.prisma,
    ...(db.sql ? { sql: db.sql } : {}), // PostgreSQL: saves run on the pool directly
    logger,
    ...(args.environment ? { environment: args.environment } : {}),
  });
  const auth = await createTokenVerifier(plan.auth, options.verifierOptions);
  for (const warning of serveWarnings(plan, service.environment)) logger.warn('serve configuration', { warning });
  const running = await startApiServer({ service, auth, logger, port: args.port, host: args.host, public: plan.public });
  return { running, service };
}

/** `serve`: the HTTP API on the configured database, until SIGINT/SIGTERM. */
export async function serve(args: ServeArgs): Promise<void> {
  const plan = planServe(args, process.env);
  const db = await createPrismaClient();
  // A server's audit trail is wanted: JSON lines on stdout (LOG_LEVEL to change).
  const logger = createLogger({ service: 'agentstate-demo-api' });
  const { running, service } = await startServe({ args, plan, db, logger }).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  console.log(`agent-state API listening on ${running.url} (environment: ${service.environment}; database: ${db.description})`);
  console.log(`auth: bearer JWT (${describeAuthConfig(plan.auth)}); a token's sub is the only user it may touch`);
  console.log(`routes: ${describeRoutes(ROUTES).join(', ')}   (Ctrl-C stops)`);

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

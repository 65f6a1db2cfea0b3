import { AUTO_CREATE_CAPABLE_ENVIRONMENTS, resolveEnvironment } from '@agentstate/policy';
import { defaultPgliteDataDir } from './paths';

export type DatabaseConfig =
  | {
      provider: 'postgresql';
      url: string;
      /**
       * A direct (non-pooled) URL for migrations, which hold a session-level
       * advisory lock a transaction-mode pooler cannot keep (Prisma's
       * `directUrl` convention; DIRECT_DATABASE_URL).
       */
      directUrl?: string;
    }
  | { provider: 'pglite'; dataDir: string };

/** The configuration cannot be used as it is (stable `code`, message says how to fix it). */
export class DatabaseConfigError extends Error {
  override name = 'DatabaseConfigError';
  constructor(
    readonly code: 'DATABASE_URL_INVALID' | 'DATABASE_URL_MISSING',
    message: string,
  ) {
    super(message);
  }
}

/**
 * PostgreSQL when DATABASE_URL is set. Otherwise the embedded PGlite database,
 * but only where it is safe: when asked for explicitly (PGLITE_DATA_DIR;
 * `memory://` for in-memory) or in development/test (AGENT_STATE_ENV, else
 * NODE_ENV). Anywhere else (production, staging, unset) a missing
 * DATABASE_URL is an error: a silent embedded database there would lose its
 * data on the next deploy and breaks with several processes.
 */
export function resolveDatabaseConfig(env: Record<string, string | undefined> = process.env): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    const directUrl = env.DIRECT_DATABASE_URL?.trim() || undefined;
    for (const [name, value] of [['DATABASE_URL', url], ['DIRECT_DATABASE_URL', directUrl]] as const) {
      if (value !== undefined && !/^postgres(ql)?:\/\//.test(value)) {
        throw new DatabaseConfigError('DATABASE_URL_INVALID', `${name} must be a postgresql:// URL (got "${redactUrl(value)}")`);
      }
    }
    return { provider: 'postgresql', url, ...(directUrl ? { directUrl } : {}) };
  }
  const explicitDir = env.PGLITE_DATA_DIR?.trim();
  if (explicitDir) return { provider: 'pglite', dataDir: explicitDir };
  const environment = resolveEnvironment(env);
  if (AUTO_CREATE_CAPABLE_ENVIRONMENTS.includes(environment)) return { provider: 'pglite', dataDir: defaultPgliteDataDir() };
  throw new DatabaseConfigError(
    'DATABASE_URL_MISSING',
    `DATABASE_URL is not set, and the environment is ${environment} (AGENT_STATE_ENV, else NODE_ENV). ` +
      'The embedded PGlite database is only used in development or test, or when PGLITE_DATA_DIR asks for it explicitly. ' +
      'Set DATABASE_URL=postgresql://… for this environment.',
  );
}

/** The URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

export function describeDatabase(config: DatabaseConfig): string {
  return config.provider === 'postgresql' ? `PostgreSQL at ${redactUrl(config.url)}` : `embedded PGlite at ${config.dataDir}`;
}

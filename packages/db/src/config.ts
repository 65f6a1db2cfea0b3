import { defaultPgliteDataDir } from './paths';

export type DatabaseConfig =
  | { provider: 'postgresql'; url: string }
  | { provider: 'pglite'; dataDir: string };

/**
 * PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite database
 * (PGLITE_DATA_DIR, default `<repo>/.data/pglite`; `memory://` for in-memory).
 */
export function resolveDatabaseConfig(env: Record<string, string | undefined> = process.env): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new Error(`DATABASE_URL must be a postgresql:// URL (got "${redactUrl(url)}")`);
    }
    return { provider: 'postgresql', url };
  }
  return { provider: 'pglite', dataDir: env.PGLITE_DATA_DIR?.trim() || defaultPgliteDataDir };
}

/** The URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

export function describeDatabase(config: DatabaseConfig): string {
  return config.provider === 'postgresql' ? `PostgreSQL at ${redactUrl(config.url)}` : `embedded PGlite at ${config.dataDir}`;
}

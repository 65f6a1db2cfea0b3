import { readPoolerFlag } from './client';
import { DatabaseConfigError, resolveDatabaseConfig } from './config';
import { defaultPgliteDataDir } from './paths';
import { testServerUrl } from './testing/postgres';

describe('which database the environment configures', () => {
  it('PostgreSQL when DATABASE_URL is set, with DIRECT_DATABASE_URL for migrations', () => {
    expect(resolveDatabaseConfig({ DATABASE_URL: 'postgresql://a@h/db' })).toEqual({ provider: 'postgresql', url: 'postgresql://a@h/db' });
    expect(resolveDatabaseConfig({ DATABASE_URL: 'postgresql://a@pooler:6432/db?pgbouncer=true', DIRECT_DATABASE_URL: 'postgresql://a@h:5432/db' })).toEqual({
      provider: 'postgresql',
      url: 'postgresql://a@pooler:6432/db?pgbouncer=true',
      directUrl: 'postgresql://a@h:5432/db',
    });
  });

  it('refuses a URL that is not PostgreSQL, with the password redacted', () => {
    const attempt = () => resolveDatabaseConfig({ DATABASE_URL: 'mysql://u:secret@h/db' });
    expect(attempt).toThrow(DatabaseConfigError);
    expect(attempt).toThrow('DATABASE_URL must be a postgresql:// URL (got "mysql://u:***@h/db")');
    expect(() => resolveDatabaseConfig({ DATABASE_URL: 'postgresql://h/db', DIRECT_DATABASE_URL: 'http://x' })).toThrow(/DIRECT_DATABASE_URL must be/);
  });

  it.each(['development', 'test'])('embedded PGlite without DATABASE_URL in %s', (NODE_ENV) => {
    expect(resolveDatabaseConfig({ NODE_ENV })).toEqual({ provider: 'pglite', dataDir: defaultPgliteDataDir() });
  });

  it('embedded PGlite anywhere when asked for explicitly (PGLITE_DATA_DIR)', () => {
    expect(resolveDatabaseConfig({ NODE_ENV: 'production', PGLITE_DATA_DIR: 'memory://' })).toEqual({ provider: 'pglite', dataDir: 'memory://' });
  });

  it.each([{ NODE_ENV: 'production' }, { AGENT_STATE_ENV: 'staging' }, {}, { AGENT_STATE_ENV: 'Production', NODE_ENV: 'development' }])(
    'a missing DATABASE_URL is a start-up error elsewhere (%j)',
    (env) => {
      const attempt = () => resolveDatabaseConfig(env);
      expect(attempt).toThrow(DatabaseConfigError);
      expect(attempt).toThrow(/DATABASE_URL is not set.*only used in development or test, or when PGLITE_DATA_DIR asks for it/s);
    },
  );

  it("reads Prisma's ?pgbouncer=true and keeps it away from pg", () => {
    expect(readPoolerFlag('postgresql://u@h:6432/db?pgbouncer=true&sslmode=disable')).toEqual({ url: 'postgresql://u@h:6432/db?sslmode=disable', pgbouncer: true });
    expect(readPoolerFlag('postgresql://u@h/db')).toEqual({ url: 'postgresql://u@h/db', pgbouncer: false });
  });

  it('tests never take DATABASE_URL (the user database): TEST_DATABASE_URL, else the local server', () => {
    const saved = { ...process.env };
    try {
      process.env.DATABASE_URL = 'postgresql://app@prod.example/app';
      delete process.env.TEST_DATABASE_URL;
      expect(testServerUrl()).toBe('postgresql://postgres@127.0.0.1:5432/postgres');
      process.env.TEST_DATABASE_URL = 'postgresql://t@127.0.0.1:5433/postgres';
      expect(testServerUrl()).toBe('postgresql://t@127.0.0.1:5433/postgres');
    } finally {
      process.env = saved;
    }
  });
});

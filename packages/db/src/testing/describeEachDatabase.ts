import { createTestPglite } from './pglite';
import { createTestPostgres, postgresAvailability } from './postgres';
import type { TestDatabase } from './types';

export type DatabaseKind = TestDatabase['kind'];

const skipNotices = new Set<string>();

/**
 * Runs `body` once against a fresh PGlite database and once against a fresh
 * database on the PostgreSQL server. Without a reachable server the
 * PostgreSQL variant is skipped with a one-line reason, except in CI
 * (CI=true), where an unreachable server is a failure.
 */
export function describeEachDatabase(
  title: string,
  body: (db: () => TestDatabase, kind: DatabaseKind) => void,
  options: { kinds?: DatabaseKind[]; poolSize?: number; poolTimeoutMs?: number } = {},
): void {
  for (const kind of options.kinds ?? (['pglite', 'postgresql'] as const)) {
    const label = `${title} [${kind}]`;
    if (kind === 'postgresql' && describeUnavailablePostgres(label, (reason) => body(() => unavailable(reason), kind))) continue;
    describe(label, () => {
      let db: TestDatabase | undefined;
      beforeAll(async () => {
        db = kind === 'pglite' ? await createTestPglite() : await createTestPostgres({ ...(options.poolSize ? { poolSize: options.poolSize } : {}), ...(options.poolTimeoutMs ? { poolTimeoutMs: options.poolTimeoutMs } : {}) });
      }, 120_000);
      afterAll(async () => {
        await db?.close();
      });
      body(() => {
        if (!db) throw new Error(`${label}: the test database was not created (see the beforeAll error)`);
        return db;
      }, kind);
    });
  }
}

function unavailable(reason: string): never {
  throw new Error(reason);
}

/** Describe only on PostgreSQL (e.g. real concurrency), with the same skip/CI rules. */
export function describePostgres(title: string, body: (db: () => TestDatabase) => void, options: { poolSize?: number; poolTimeoutMs?: number } = {}): void {
  describeEachDatabase(title, (db) => body(db), { ...options, kinds: ['postgresql'] });
}

/** Runs the body only where the PostgreSQL server answers, with the same skip/CI rules, without creating a database. */
export function describeWithPostgresServer(title: string, body: () => void): void {
  if (!describeUnavailablePostgres(title, body)) describe(title, body);
}

/**
 * When the server does not answer: in CI a failing test, elsewhere a skipped
 * describe with a one-line reason. Returns whether it was unavailable.
 */
function describeUnavailablePostgres(title: string, body: (reason: string) => void): boolean {
  return describeUnavailable(title, postgresAvailability(), body);
}

/**
 * Runs `body` as a describe when `availability` says the real part it needs
 * is there (a server, a PgBouncer binary); otherwise the CI-fails /
 * laptop-skips rule, with a one-line reason.
 */
export function describeIfAvailable(title: string, availability: { available: true } | { available: false; reason: string }, body: () => void): void {
  if (!describeUnavailable(title, availability, body)) describe(title, body);
}

function describeUnavailable(title: string, availability: { available: boolean; reason?: string }, body: (reason: string) => void): boolean {
  if (availability.available) return false;
  const reason = availability.reason ?? 'unavailable';
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('needs the PostgreSQL server (CI=true: unreachable is a failure, not a skip)', () => {
        throw new Error(reason);
      });
    });
    return true;
  }
  // One plain line on stderr per reason, without Jest's console decoration.
  if (!skipNotices.has(reason)) process.stderr.write(`skipped: ${reason}\n`);
  skipNotices.add(reason);
  describe.skip(`${title} — skipped: ${reason}`, () => body(reason));
  return true;
}

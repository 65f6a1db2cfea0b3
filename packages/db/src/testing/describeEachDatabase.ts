import { createTestPglite } from './pglite';
import { createTestPostgres, postgresAvailability } from './postgres';
import type { TestDatabase } from './types';

export type DatabaseKind = TestDatabase['kind'];

let skipNoticeShown = false;

/**
 * Runs `body` once against a fresh PGlite database and once against a fresh
 * database on the PostgreSQL server. Without a reachable server the
 * PostgreSQL variant is skipped with a one-line reason, except in CI
 * (CI=true), where an unreachable server is a failure.
 */
export function describeEachDatabase(
  title: string,
  body: (db: () => TestDatabase, kind: DatabaseKind) => void,
  options: { kinds?: DatabaseKind[]; poolSize?: number } = {},
): void {
  for (const kind of options.kinds ?? (['pglite', 'postgresql'] as const)) {
    const label = `${title} [${kind}]`;
    if (kind === 'postgresql') {
      const availability = postgresAvailability();
      if (!availability.available) {
        if (process.env.CI === 'true') {
          describe(label, () => {
            it('needs the PostgreSQL server (CI=true: unreachable is a failure, not a skip)', () => {
              throw new Error(availability.reason);
            });
          });
        } else {
          if (!skipNoticeShown) console.warn(`skipped PostgreSQL tests: ${availability.reason}`);
          skipNoticeShown = true;
          describe.skip(`${label} — skipped: ${availability.reason}`, () => body(() => unavailable(availability.reason), kind));
        }
        continue;
      }
    }
    describe(label, () => {
      let db: TestDatabase | undefined;
      beforeAll(async () => {
        db = kind === 'pglite' ? await createTestPglite() : await createTestPostgres(options.poolSize ? { poolSize: options.poolSize } : {});
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
export function describePostgres(title: string, body: (db: () => TestDatabase) => void, options: { poolSize?: number } = {}): void {
  describeEachDatabase(title, (db) => body(db), { ...options, kinds: ['postgresql'] });
}

/** Runs the body only where the PostgreSQL server answers, with the same skip/CI rules, without creating a database. */
export function describeWithPostgresServer(title: string, body: () => void): void {
  const availability = postgresAvailability();
  if (availability.available) return describe(title, body);
  if (process.env.CI === 'true') {
    return describe(title, () => {
      it('needs the PostgreSQL server (CI=true: unreachable is a failure, not a skip)', () => {
        throw new Error(availability.reason);
      });
    });
  }
  if (!skipNoticeShown) console.warn(`skipped PostgreSQL tests: ${availability.reason}`);
  skipNoticeShown = true;
  describe.skip(`${title} — skipped: ${availability.reason}`, body);
}

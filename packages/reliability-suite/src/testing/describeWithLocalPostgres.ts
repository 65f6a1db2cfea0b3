import { findPostgresBinaries, type BinariesLookup, type PostgresBinaries } from './localPostgres';

/**
 * Runs `body` when PostgreSQL server binaries are installed. Without them the
 * block is skipped with a one-line reason, except with CI=true, where missing
 * binaries are a failure (the same rule as describeEachDatabase).
 */
export function describeWithLocalPostgres(title: string, body: (binaries: () => PostgresBinaries) => void, lookup: BinariesLookup = findPostgresBinaries()): void {
  if (lookup.found) {
    describe(title, () => body(() => lookup.binaries));
    return;
  }
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('needs PostgreSQL server binaries (CI=true: missing binaries are a failure, not a skip)', () => {
        throw new Error(lookup.reason);
      });
    });
    return;
  }
  console.warn(`skipped ${title}: ${lookup.reason}`);
  describe.skip(`${title} — skipped: ${lookup.reason}`, () =>
    body(() => {
      throw new Error(lookup.reason);
    }),
  );
}

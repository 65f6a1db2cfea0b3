// Helpers of the reliability suite, for other packages' tests and tools.
export { findPostgresBinaries, LocalPostgres, sparePort } from './testing/localPostgres';
export type { BinariesLookup, PostgresBinaries } from './testing/localPostgres';
export { describeWithLocalPostgres } from './testing/describeWithLocalPostgres';
export { expectedOutcome, generateProductionBoundaryIds, PRODUCTION_BOUNDARY_SEED } from './testing/productionIds';
export type { ExpectedOutcome, Family, GeneratedId } from './testing/productionIds';
export { changedTables, describeError, flushLogs, serviceWithLog, settle, sleep, unique, waitFor, withTimeout } from './testing/helpers';
export { collectFigures, latestFile, recordFigure, resultsDir } from './figures/figures';
export type { Figure } from './figures/figures';

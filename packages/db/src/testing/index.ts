// Test helpers for every package: fresh databases per test file, on PGlite
// and on the PostgreSQL server, with the CI-fails / laptop-skips rule.
export { describeEachDatabase, describeIfAvailable, describePostgres, describeWithPostgresServer } from './describeEachDatabase';
export { pgbouncerAvailability, sparePort, startPgBouncer } from './pgbouncer';
export type { PoolMode, RunningPgBouncer } from './pgbouncer';
export type { DatabaseKind } from './describeEachDatabase';
export { createTestPglite } from './pglite';
export { holdAdvisoryLock, occupyPool } from './heldConnections';
export type { Held } from './heldConnections';
export { withDatabase } from '../admin';
export { createEmptyPostgresDatabase, createTestPostgres, DEFAULT_TEST_SERVER_URL, postgresAvailability, testServerUrl } from './postgres';
export { countAllRows } from '../rowCounts';
export type { TestDatabase } from './types';
export { pick, randomInt, seededRandom } from './random';
export { startTcpProxy } from './tcpProxy';
export type { Direction, Forward, ProxiedConnection, TcpProxy, TcpProxyOptions } from './tcpProxy';
export { CUT_MOMENTS, startFaultProxy, startFaultProxyFor } from './faultProxy';
export type { CutMoment, FaultProxy } from './faultProxy';

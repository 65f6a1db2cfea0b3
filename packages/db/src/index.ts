export { runAdminStatement, withDatabase } from './admin';
export { createPrismaClient, migrate, migratePglite, migratePostgres, readPoolerFlag } from './client';
export type { CreatePrismaClientOptions, DatabaseClient, PooledSqlRunner, QueryOptions, SqlRunner } from './client';
export { NAMED_STATEMENTS_OFF_WARNING, statementName } from './sqlRunner';
export { DatabaseConfigError, describeDatabase, redactUrl, resolveDatabaseConfig } from './config';
export { columnOf, defaultDataModel, loadDataModel } from './dataModel';
export type { DataModel, DataModelField, DataModelModel, Reference, ReferentialAction } from './dataModel';
export type { DatabaseConfig } from './config';
export { migrationChecksum } from './migrations/checksum';
export {
  FailedMigrationInHistoryError,
  InvalidMigrationsDirectoryError,
  MigrationChecksumMismatchError,
  MigrationError,
  MigrationFailedError,
} from './migrations/errors';
export { pgExecutor, pgliteExecutor } from './migrations/executor';
export type { SqlExecutor } from './migrations/executor';
export { readMigrationsDirectory } from './migrations/files';
export type { MigrationFile, MigrationsDirectory } from './migrations/files';
export { applyMigrations, NO_TRANSACTION_MARKER, runsInTransaction } from './migrations/migrator';
export type { ApplyMigrationsResult } from './migrations/migrator';
export { defaultPgliteDataDir, findRepoRoot, migrationsDir, schemaPath } from './paths';
// The generated client's types and runtime namespace, re-exported so that no
// consumer imports from the generated folder directly.
export { Prisma, PrismaClient } from './generated/prisma/client';
export type * from './generated/prisma/models';
export { countAllRows } from './rowCounts';

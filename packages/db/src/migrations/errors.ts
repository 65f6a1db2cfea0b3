/** Base class: every migration failure carries a stable code. */
export class MigrationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An applied migration's file was edited afterwards: history and files disagree. */
export class MigrationChecksumMismatchError extends MigrationError {
  constructor(
    readonly migrationName: string,
    readonly appliedChecksum: string,
    readonly fileChecksum: string,
  ) {
    super(
      'MIGRATION_CHECKSUM_MISMATCH',
      `Migration "${migrationName}" was modified after it was applied (database checksum ${appliedChecksum.slice(0, 12)}…, file checksum ${fileChecksum.slice(0, 12)}…). ` +
        'Restore the file from version control and put the change in a new migration (pnpm db:migration:create <name>).',
    );
  }
}

/** A migration started earlier and never finished (Prisma's P3009 situation). */
export class FailedMigrationInHistoryError extends MigrationError {
  constructor(readonly migrationName: string) {
    super(
      'MIGRATION_PREVIOUSLY_FAILED',
      `Migration "${migrationName}" is recorded as started but not finished in _prisma_migrations. ` +
        'Fix the database by hand, then mark it with `prisma migrate resolve` (or delete that row) and run again.',
    );
  }
}

/**
 * Applying one migration failed. In a transaction (the default) it was rolled
 * back and nothing of it remains; a migration marked to run outside one may
 * have been partly applied and stays recorded as started, not finished.
 */
export class MigrationFailedError extends MigrationError {
  readonly rolledBack: boolean;
  constructor(
    readonly migrationName: string,
    cause: unknown,
    options: { rolledBack?: boolean } = {},
  ) {
    const rolledBack = options.rolledBack ?? true;
    const message = cause instanceof Error ? cause.message : String(cause);
    super(
      'MIGRATION_FAILED',
      rolledBack
        ? `Migration "${migrationName}" failed and was rolled back: ${message}`
        : `Migration "${migrationName}" (runs outside a transaction) failed and may be partly applied; it is recorded as failed in _prisma_migrations: ${message}. ` +
            'Fix the database by hand (e.g. DROP INDEX CONCURRENTLY an invalid index), then mark it with `prisma migrate resolve` (or delete that row) and run again.',
      { cause },
    );
    this.rolledBack = rolledBack;
  }
}

/** The migrations folder is not in Prisma's format. */
export class InvalidMigrationsDirectoryError extends MigrationError {
  constructor(message: string) {
    super('MIGRATIONS_DIRECTORY_INVALID', message);
  }
}

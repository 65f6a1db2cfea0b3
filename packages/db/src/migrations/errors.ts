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

/** Applying one migration failed; its transaction was rolled back, nothing of it remains. */
export class MigrationFailedError extends MigrationError {
  constructor(
    readonly migrationName: string,
    cause: unknown,
  ) {
    super(
      'MIGRATION_FAILED',
      `Migration "${migrationName}" failed and was rolled back: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** The migrations folder is not in Prisma's format. */
export class InvalidMigrationsDirectoryError extends MigrationError {
  constructor(message: string) {
    super('MIGRATIONS_DIRECTORY_INVALID', message);
  }
}

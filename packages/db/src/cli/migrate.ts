// `pnpm db:migrate`: applies pending migrations to the configured database
// (DATABASE_URL, else the embedded PGlite folder) without Prisma's native engine.
import { describeDatabase, resolveDatabaseConfig } from '../config';
import { migratePglite, migratePostgres } from '../client';
import { MigrationError } from '../migrations/errors';

async function main(): Promise<void> {
  const config = resolveDatabaseConfig();
  console.log(`Migrating ${describeDatabase(config)}`);
  const result = config.provider === 'postgresql' ? await migratePostgres(config.url) : await migratePglite(config.dataDir);
  for (const name of result.applied) console.log(`  applied  ${name}`);
  for (const name of result.unknownToFiles) console.warn(`  warning  ${name} is recorded in the database but has no folder in prisma/migrations`);
  console.log(
    result.applied.length === 0
      ? `Database is up to date (${result.alreadyApplied.length} migrations applied earlier).`
      : `Applied ${result.applied.length} migration(s); ${result.alreadyApplied.length} were already applied.`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof MigrationError) console.error(`error ${error.code}: ${error.message}`);
  else console.error(error);
  process.exit(1);
});

#!/usr/bin/env node
// `pnpm db:migrate` (deployed: `agentstate-migrate`): applies pending migrations to the configured
// database without Prisma's native engine. PostgreSQL: DIRECT_DATABASE_URL when set (Prisma's
// directUrl convention: migrations bypass the pooler), else DATABASE_URL; otherwise the embedded
// PGlite folder where that is allowed. Migrations come from prisma/migrations (AGENTSTATE_MIGRATIONS_DIR).
import { describeDatabase, redactUrl, resolveDatabaseConfig } from '../config';
import { migratePglite, migratePostgres, readPoolerFlag } from '../client';
import { MigrationError } from '../migrations/errors';
import { migrationsDir } from '../paths';

async function main(): Promise<void> {
  const config = resolveDatabaseConfig();
  const dir = migrationsDir();
  if (config.provider === 'postgresql') {
    const target = readPoolerFlag(config.directUrl ?? config.url).url;
    console.log(`Migrating PostgreSQL at ${redactUrl(target)}${config.directUrl ? ' (DIRECT_DATABASE_URL)' : ''} from ${dir}`);
    report(await migratePostgres(target, dir));
  } else {
    console.log(`Migrating ${describeDatabase(config)} from ${dir}`);
    report(await migratePglite(config.dataDir, dir));
  }
}

function report(result: Awaited<ReturnType<typeof migratePostgres>>): void {
  for (const name of result.applied) console.log(`  applied  ${name}`);
  for (const name of result.unknownToFiles) console.warn(`  warning  ${name} is recorded in the database but has no folder in the migrations directory`);
  console.log(
    result.applied.length === 0
      ? `Database is up to date (${result.alreadyApplied.length} migrations applied earlier).`
      : `Applied ${result.applied.length} migration(s); ${result.alreadyApplied.length} were already applied.`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof MigrationError || (error as { code?: unknown })?.code === 'DATABASE_URL_MISSING') {
    console.error(`error ${(error as { code: string }).code}: ${(error as Error).message}`);
  } else console.error(error);
  process.exit(1);
});

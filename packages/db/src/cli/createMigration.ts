// `pnpm db:migration:create <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql
// with the SQL Prisma's schema engine (WebAssembly build) derives from the
// difference between the existing migrations and prisma/schema.prisma. The
// engine replays the migrations on a temporary shadow database, so this needs
// a PostgreSQL server: SHADOW_DATABASE_URL, else DATABASE_URL, else the local one.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactUrl } from '../config';
import { migrationLockfileContent, migrationLockfileName, readMigrationsDirectory } from '../migrations/files';
import { diffMigrationsToSchema } from '../migrations/schemaEngine';
import { migrationsDir, schemaPath } from '../paths';

function timestamp(date: Date): string {
  return date.toISOString().replace(/\D/g, '').slice(0, 14);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const empty = args.includes('--empty');
  const name = args.find((a) => !a.startsWith('--'));
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error('usage: pnpm db:migration:create <name> [--empty]   (lowercase letters, digits and _ only; --empty: an empty migration for a hand-written step when the schema has no change, like prisma migrate dev --create-only)');
    process.exit(2);
  }
  const url = process.env.SHADOW_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const dir = migrationsDir();
  const schema = schemaPath();
  const migrations = readMigrationsDirectory(dir);
  console.log(`Diffing ${migrations.migrations.length} migration(s) against ${schema} (shadow database on ${redactUrl(url)})`);
  const sql = await diffMigrationsToSchema(url, migrations, readFileSync(schema, 'utf8'));
  if (sql === '' && !empty) {
    console.log('No changes: the migrations already produce schema.prisma. Nothing written.');
    return;
  }
  mkdirSync(dir, { recursive: true });
  const lockfile = join(dir, migrationLockfileName);
  if (!existsSync(lockfile)) writeFileSync(lockfile, migrationLockfileContent);
  const folder = join(dir, `${timestamp(new Date())}_${name}`);
  mkdirSync(folder);
  writeFileSync(join(folder, 'migration.sql'), sql === '' ? '-- This is an empty migration (no schema change). Add the hand-written step below and say why.\n' : sql);
  console.log(`Created ${join(folder, 'migration.sql')}:\n\n${sql}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

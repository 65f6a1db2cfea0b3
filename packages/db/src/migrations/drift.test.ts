// schema.prisma and prisma/migrations must not drift: Prisma's schema engine
// replays the migrations on a shadow database and diffs the result against
// schema.prisma. Any difference means someone changed one without the other.
import { readFileSync } from 'node:fs';
import { migrationsDir, schemaPath } from '../paths';
import { describeWithPostgresServer, testServerUrl } from '../testing';
import { readMigrationsDirectory } from './files';
import { diffMigrationsToSchema } from './schemaEngine';

const schema = readFileSync(schemaPath(), 'utf8');
const migrations = readMigrationsDirectory(migrationsDir());

describeWithPostgresServer('migrations match schema.prisma [postgresql]', () => {
  it('a database built from prisma/migrations has exactly the schema Prisma derives from schema.prisma', async () => {
    const missing = await diffMigrationsToSchema(testServerUrl(), migrations, schema);
    if (missing !== '') {
      throw new Error(
        `prisma/schema.prisma and prisma/migrations have drifted. Create a migration with ` +
          `\`pnpm db:migration:create <name>\`. The missing SQL is:\n\n${missing}`,
      );
    }
    expect(missing).toBe('');
  }, 120_000);

  it('detects a schema edit that has no migration (the check can fail)', async () => {
    const edited = schema.replace(/(model User \{\n)/, '$1  nickname String? @db.VarChar(40)\n');
    expect(edited).not.toBe(schema);
    const missing = await diffMigrationsToSchema(testServerUrl(), migrations, edited);
    expect(missing).toContain('ALTER TABLE "userbase" ADD COLUMN');
    expect(missing).toContain('"nickname" VARCHAR(40)');
  }, 120_000);
});

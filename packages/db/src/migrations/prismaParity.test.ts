// Our offline migrator and Prisma's own engine (the code behind
// `prisma migrate deploy`, here in its WebAssembly build) must agree on
// history: same bookkeeping table, same rows, and each accepts the other's.
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { migrationsDir, schemaPath } from '../paths';
import { createEmptyPostgresDatabase, describeWithPostgresServer } from '../testing';
import { pgExecutor } from './executor';
import { readMigrationsDirectory } from './files';
import { applyMigrations } from './migrator';
import { applyMigrationsWithPrismaEngine } from './schemaEngine';

const migrations = readMigrationsDirectory(migrationsDir());
const schema = readFileSync(schemaPath(), 'utf8');

async function withClient<T>(url: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

const describeTable = (client: Client) =>
  client
    .query(
      `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
       FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    )
    .then((r) => r.rows);

const historyRows = (client: Client) =>
  client
    .query(
      `SELECT migration_name, checksum, logs, rolled_back_at, applied_steps_count, finished_at IS NOT NULL AS finished,
              length(id) AS id_length, finished_at >= started_at AS ordered
       FROM _prisma_migrations ORDER BY migration_name`,
    )
    .then((r) => r.rows);

/** Tables, columns, indexes and constraints of the public schema, for comparing two databases. */
const describeSchema = (client: Client) =>
  client
    .query(
      `SELECT 'column' AS kind, table_name || '.' || column_name AS name, data_type || coalesce('(' || character_maximum_length || ')', '') || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS detail
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
       UNION ALL
       SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'
       UNION ALL
       SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
       ORDER BY 1, 2`,
    )
    .then((r) => r.rows);

describeWithPostgresServer('offline migrator vs Prisma engine bookkeeping [postgresql]', () => {
  let ours: { url: string; drop(): Promise<void> };
  let prisma: { url: string; drop(): Promise<void> };

  beforeAll(async () => {
    ours = await createEmptyPostgresDatabase();
    prisma = await createEmptyPostgresDatabase();
    await withClient(ours.url, (c) => applyMigrations(pgExecutor(c), migrations.migrations));
    await applyMigrationsWithPrismaEngine(prisma.url, migrations, schema);
  }, 120_000);

  afterAll(async () => {
    await ours?.drop();
    await prisma?.drop();
  });

  it('creates the same _prisma_migrations table', async () => {
    const [a, b] = [await withClient(ours.url, describeTable), await withClient(prisma.url, describeTable)];
    expect(a.length).toBe(8);
    expect(a).toEqual(b);
  });

  it('writes the same rows (names, checksums, step counts, timestamps set)', async () => {
    const [a, b] = [await withClient(ours.url, historyRows), await withClient(prisma.url, historyRows)];
    expect(a).toHaveLength(migrations.migrations.length);
    expect(a).toEqual(b);
  });

  it('builds the same schema', async () => {
    const [a, b] = [await withClient(ours.url, describeSchema), await withClient(prisma.url, describeSchema)];
    expect(a.length).toBeGreaterThan(10);
    expect(a).toEqual(b);
  });

  it("accepts Prisma's history as up to date, and Prisma accepts ours", async () => {
    const again = await withClient(prisma.url, (c) => applyMigrations(pgExecutor(c), migrations.migrations));
    expect(again.applied).toEqual([]);
    expect(await applyMigrationsWithPrismaEngine(ours.url, migrations, schema)).toEqual([]);
  });
});

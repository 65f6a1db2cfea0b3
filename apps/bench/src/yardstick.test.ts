// The yardstick table must be exactly agent_state_snapshots as the migrations
// of 2026-11-26 left it (columns, effective compression, indexes, foreign
// keys), and must not follow later migrations: this applies only those two
// migrations to an empty database, creates the yardstick beside the real
// table, and compares the two through the catalogs.
import { migrationsDir, migratePostgres } from '@agentstate/db';
import { createEmptyPostgresDatabase, describeWithPostgresServer } from '@agentstate/db/testing';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createYardstickTable, YARDSTICK_MIGRATIONS, YARDSTICK_TABLE } from './yardstick';

const REAL = 'agent_state_snapshots';

async function layout(client: pg.Client, table: string) {
  const rename = (text: string | null) => (text ?? '').split(table).join('<table>');
  const columns = await client.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
            pg_get_expr(d.adbin, d.adrelid) AS default_value,
            -- '' (the migrations name none): default_toast_compression, PostgreSQL's default being pglz
            CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' ELSE 'pglz' END AS compression,
            a.attstorage AS storage
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [table],
  );
  const indexes = await client.query<{ def: string }>('SELECT indexdef AS def FROM pg_indexes WHERE tablename = $1 ORDER BY indexname', [table]);
  const constraints = await client.query<{ name: string; def: string }>(
    'SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY conname',
    [table],
  );
  return {
    columns: columns.rows.map((c: Record<string, unknown>) => ({ ...c, default_value: rename(c.default_value as string | null) })),
    indexes: indexes.rows.map((i) => rename(i.def)).sort(),
    constraints: constraints.rows.map((c) => `${rename(c.name)}: ${rename(c.def)}`).sort(),
  };
}

describeWithPostgresServer('yardstick table', () => {
  it("is agent_state_snapshots as of the yardstick's migrations: same columns, compression, indexes and foreign keys", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agentstate-yardstick-'));
    const database = await createEmptyPostgresDatabase();
    const client = new pg.Client({ connectionString: database.url });
    try {
      cpSync(path.join(migrationsDir(), 'migration_lock.toml'), path.join(dir, 'migration_lock.toml'));
      for (const name of YARDSTICK_MIGRATIONS) cpSync(path.join(migrationsDir(), name), path.join(dir, name), { recursive: true });
      await migratePostgres(database.url, dir);
      await client.connect();
      await createYardstickTable({
        via: 'pg',
        query: async <Row>(text: string) => (await client.query(text)).rows as Row[],
        transaction: () => Promise.reject(new Error('not needed')),
      });

      const real = await layout(client, REAL);
      const yardstick = await layout(client, YARDSTICK_TABLE);
      expect(real.columns.length).toBe(9);
      expect(real.indexes.length).toBe(7);
      expect(real.constraints.length).toBe(4);
      expect(yardstick).toEqual(real);
      // The yardstick pins pglz (PostgreSQL's default) explicitly, so a server default changed later does not move it.
      const pinned = await client.query<{ attname: string; attcompression: string }>(
        "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = $1::regclass AND attname IN ('state', 'metadata') ORDER BY attname",
        [YARDSTICK_TABLE],
      );
      expect(pinned.rows).toEqual([
        { attname: 'metadata', attcompression: 'p' },
        { attname: 'state', attcompression: 'p' },
      ]);
    } finally {
      await client.end().catch(() => undefined);
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/**
 * Prisma's schema engine, compiled to WebAssembly (@prisma/schema-engine-wasm,
 * the exact engine build of our Prisma version), driven through
 * @prisma/adapter-pg. This is how we create migrations and check drift on
 * machines that cannot download Prisma's native schema engine.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { runAdminStatement, withDatabase } from '../admin';
import { migrationLockfileContent, type MigrationsDirectory } from './files';

const PG_CHAR_OID = 18; // the internal one-byte "char" type (pg_constraint.contype, ...)
const PG_NAME_OID = 19; // identifiers in the catalogs
const PG_TEXT_OID = 25;
const COLUMN_TYPE_CHARACTER = 6; // ColumnTypeEnum.Character of @prisma/driver-adapter-utils

// Rows whose columns were of type "char", by the rows array the adapter returns.
const charColumnsByRows = new WeakMap<unknown[], number[]>();

/**
 * adapter-pg refuses the catalog types "char" and name (UnsupportedNativeDataType),
 * which the engine's introspection queries read. Report them as text to the
 * adapter, then tell the engine that the "char" columns are characters.
 */
class IntrospectionClient extends pg.Client {
  // pg's overloads are not worth restating: forward whatever comes.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, res: pg.QueryResult) => last(err, err ? res : relabel(res));
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (super.query as any)(...args);
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const out = (super.query as any)(...args);
    return out && typeof out.then === 'function' ? out.then(relabel) : out;
  }
}

function relabel(res: pg.QueryResult): pg.QueryResult {
  if (!res?.fields) return res;
  const charColumns: number[] = [];
  res.fields.forEach((field, index) => {
    if (field.dataTypeID === PG_CHAR_OID) {
      field.dataTypeID = PG_TEXT_OID;
      charColumns.push(index);
    } else if (field.dataTypeID === PG_NAME_OID) {
      field.dataTypeID = PG_TEXT_OID;
    }
  });
  if (charColumns.length > 0 && Array.isArray(res.rows)) charColumnsByRows.set(res.rows, charColumns);
  return res;
}

type AnyObject = Record<string | symbol, unknown>;

function withCharColumns<T extends object>(target: T): T {
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj) as unknown;
      if (typeof value !== 'function') return value;
      const fn = value as (...a: unknown[]) => Promise<unknown>;
      if (prop === 'queryRaw') {
        return async (...a: unknown[]) => {
          const result = (await fn.apply(obj, a)) as { rows: unknown[]; columnTypes: number[] };
          for (const index of charColumnsByRows.get(result.rows) ?? []) result.columnTypes[index] = COLUMN_TYPE_CHARACTER;
          return result;
        };
      }
      // adapter-pg's executeScript splits the script on every ';', which breaks dollar-quoted
      // bodies (DO $$ … $$). The native engine sends a migration script as one simple query:
      // do the same, on the adapter's own client, with its own error mapping.
      if (prop === 'executeScript' && typeof (obj as AnyObject).client === 'object') {
        const adapter = obj as unknown as { client: { query(sql: string): Promise<unknown> }; onError(error: unknown): never };
        return async (script: string) => {
          try {
            await adapter.client.query(script);
          } catch (error) {
            adapter.onError(error);
          }
        };
      }
      if (prop === 'connect' || prop === 'connectToShadowDb' || prop === 'startTransaction') {
        return async (...a: unknown[]) => withCharColumns((await fn.apply(obj, a)) as AnyObject);
      }
      return fn.bind(obj);
    },
  });
}

/**
 * A migration-aware adapter factory for the schema engine. Its shadow
 * databases are created beside `url` and dropped after use. (adapter-pg's own
 * connectToShadowDb passes `database` next to a connectionString, which pg
 * ignores: the "shadow" would be the main database. Never let that happen.)
 */
export function introspectionAdapterFactory(url: string): SqlMigrationAwareDriverAdapterFactory & { disposeAll(): Promise<void> } {
  const factory = withCharColumns(new PrismaPg({ connectionString: url, Client: IntrospectionClient } as pg.PoolConfig));
  // The engine does not dispose the adapters it opens: track them so pools close.
  const opened: Array<{ dispose(): Promise<void> }> = [];
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter = await factory.connect();
      opened.push(adapter);
      return adapter;
    },
    async disposeAll() {
      await Promise.allSettled(opened.splice(0).map((adapter) => adapter.dispose()));
    },
    async connectToShadowDb() {
      const name = `prisma_migrate_shadow_db_${randomUUID().replace(/-/g, '')}`;
      await runAdminStatement(url, `CREATE DATABASE "${name}"`);
      const adapter = await withCharColumns(new PrismaPg({ connectionString: withDatabase(url, name), Client: IntrospectionClient } as pg.PoolConfig)).connect();
      const dispose = adapter.dispose.bind(adapter);
      return Object.assign(Object.create(adapter) as typeof adapter, {
        async dispose() {
          await dispose();
          await runAdminStatement(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        },
      });
    },
  };
}

/* ---------------------------------------------------------------- engine -- */

// @types/node 20 does not declare WebAssembly (lib.dom does); the little we use:
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, object>) => { exports: Record<string, unknown> };
};
type WasmExports = Record<string, unknown>;

interface WasmSchemaEngine {
  diff(params: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  applyMigrations(params: unknown): Promise<{ appliedMigrationNames: string[] }>;
  free(): void;
}
interface SchemaEngineModule {
  SchemaEngine: { new: (options: unknown, log: (line: string) => void, adapter: object) => Promise<WasmSchemaEngine> };
  __wbg_set_wasm(exports: WasmExports): void;
}

let enginePromise: Promise<SchemaEngineModule> | undefined;

async function loadEngineModule(): Promise<SchemaEngineModule> {
  // The package targets bundlers (it imports the .wasm file); instantiate it by hand, as Prisma's CLI does.
  const glueFile = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const glue = (await import(glueFile)) as SchemaEngineModule;
  const wasm = new WebAssembly.Module(readFileSync(join(dirname(glueFile), 'schema_engine_bg.wasm')));
  // The engine's timers (lock and query timeouts) must not keep a finished process alive.
  const imports: Record<string, unknown> = { ...glue };
  for (const name of Object.keys(imports).filter((key) => key.startsWith('__wbg_setTimeout_'))) {
    imports[name] = (callback: () => void, ms: number) => {
      const timer = setTimeout(callback, ms >>> 0);
      timer.unref();
      return timer;
    };
  }
  const instance = new WebAssembly.Instance(wasm, { './schema_engine_bg.js': imports });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue;
}

const NO_FILTERS = { externalTables: [], externalEnums: [] };

function migrationList(dir: MigrationsDirectory) {
  return {
    baseDir: dir.dir,
    lockfile: { path: 'migration_lock.toml', content: dir.lockfile ?? migrationLockfileContent },
    shadowDbInitScript: '',
    migrationDirectories: dir.migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.script } },
    })),
  };
}

async function withEngine<T>(url: string, schema: string, run: (engine: WasmSchemaEngine) => Promise<T>): Promise<T> {
  enginePromise ??= loadEngineModule();
  const module = await enginePromise;
  const factory = introspectionAdapterFactory(url);
  const engine = await module.SchemaEngine.new(
    { datamodels: [['schema.prisma', schema]] },
    () => undefined,
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  try {
    return await run(engine);
  } finally {
    engine.free();
    await factory.disposeAll();
  }
}

/**
 * The SQL that brings a database built from `migrations` to `schema`, as
 * Prisma's engine computes it (empty when they agree). Replays the migrations
 * on a temporary shadow database on the server at `url`, then drops it.
 */
export async function diffMigrationsToSchema(url: string, migrations: MigrationsDirectory, schema: string): Promise<string> {
  return withEngine(url, schema, async (engine) => {
    const result = await engine.diff({
      from: { tag: 'migrations', ...migrationList(migrations) },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    return normaliseScript(result.stdout);
  });
}

/** `prisma migrate deploy`, exactly: Prisma's own engine applies and records the migrations. */
export async function applyMigrationsWithPrismaEngine(url: string, migrations: MigrationsDirectory, schema: string): Promise<string[]> {
  return withEngine(url, schema, async (engine) => {
    const result = await engine.applyMigrations({ migrationsList: migrationList(migrations), filters: NO_FILTERS });
    return result.appliedMigrationNames;
  });
}

function normaliseScript(stdout: string | null): string {
  const script = (stdout ?? '').trim();
  // The engine answers "-- This is an empty migration." when nothing differs.
  return script === '' || /^-- This is an empty migration\.?$/.test(script) ? '' : `${script}\n`;
}

/**
 * db.sql's named statements on a real PostgreSQL server: what a
 * transaction-mode pooler does to them (a server connection that lost the
 * name, or already holds it) reproduced on one direct connection, with
 * DEALLOCATE ALL and PREPARE. The pooler itself: reliability-suite's pooler.test.ts.
 */
import { Pool } from 'pg';
import { createEmptyPostgresDatabase, describeWithPostgresServer } from './testing';
import { createSqlRunner, lostNamedStatement, NAMED_STATEMENTS_OFF_WARNING, statementName } from './sqlRunner';

describe('lostNamedStatement', () => {
  const name = statementName('SELECT 1');
  it('is "does not exist" (26000) or "already exists" (42P05) of our own name only', () => {
    expect(lostNamedStatement({ code: '26000', message: `prepared statement "${name}" does not exist` }, name)).toBe(true);
    expect(lostNamedStatement({ code: '42P05', message: `prepared statement "${name}" already exists` }, name)).toBe(true);
    expect(lostNamedStatement({ code: '26000', message: 'prepared statement "other" does not exist' }, name)).toBe(false);
    expect(lostNamedStatement({ code: '23505', message: `duplicate key "${name}"` }, name)).toBe(false);
    expect(lostNamedStatement(new Error(`"${name}"`), name)).toBe(false);
    expect(lostNamedStatement(null, name)).toBe(false);
  });
  it('names one text with one name, and two texts with two', () => {
    expect(statementName('SELECT 1')).toBe(statementName('SELECT 1'));
    expect(statementName('SELECT 1')).not.toBe(statementName('SELECT 2'));
    expect(statementName('SELECT 1')).toMatch(/^agentstate_[0-9a-f]{20}$/);
  });
});

describeWithPostgresServer('db.sql named statements on PostgreSQL', () => {
  let database: { url: string; drop(): Promise<void> };
  let pool: Pool;
  const INSERT = 'INSERT INTO runner_rows (x) VALUES ($1) RETURNING x';
  const preparedNames = async () => (await pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((r) => r.name);
  const rows = async () => (await pool.query<{ x: number }>('SELECT x FROM runner_rows ORDER BY x')).rows.map((r) => r.x);

  beforeAll(async () => {
    database = await createEmptyPostgresDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    // one connection: every query of a test sees the same server session, as a pooler's client never does
    pool = new Pool({ connectionString: database.url, max: 1 });
    await pool.query('DROP TABLE IF EXISTS runner_rows; CREATE TABLE runner_rows (x int PRIMARY KEY)');
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await pool.end();
  });

  it('prepare: true sends a statement named after its text, parsed once per connection', async () => {
    const sql = createSqlRunner(pool, { namedStatements: true });
    expect(await sql.query(INSERT, [1], { prepare: true })).toEqual([{ x: 1 }]);
    expect(await sql.query(INSERT, [2], { prepare: true })).toEqual([{ x: 2 }]);
    expect(await preparedNames()).toEqual([statementName(INSERT)]);
    expect(sql.namedStatements).toBe(true);
  });

  it('namedStatements: false never names a statement', async () => {
    const sql = createSqlRunner(pool, { namedStatements: false });
    await sql.query(INSERT, [1], { prepare: true });
    expect(await preparedNames()).toEqual([]);
    expect(sql.namedStatements).toBe(false);
  });

  it('a name the server lost ("does not exist"): the statement runs once, unnamed, and named statements are off for good, with one warning', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const sql = createSqlRunner(pool, { namedStatements: true });
    await sql.query(INSERT, [1], { prepare: true });
    await pool.query('DEALLOCATE ALL'); // pg still believes the connection holds the name: it sends only Bind
    expect(await sql.query(INSERT, [2], { prepare: true })).toEqual([{ x: 2 }]);
    expect(sql.namedStatements).toBe(false);
    expect(await sql.query(INSERT, [3], { prepare: true })).toEqual([{ x: 3 }]);
    expect(await rows()).toEqual([1, 2, 3]);
    expect(await preparedNames()).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[1]).toEqual({ code: NAMED_STATEMENTS_OFF_WARNING });
  });

  it('a name the server already holds ("already exists"): the statement runs once, unnamed', async () => {
    jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    await pool.query(`PREPARE ${statementName(INSERT)} (int) AS INSERT INTO runner_rows (x) VALUES ($1) RETURNING x`);
    const sql = createSqlRunner(pool, { namedStatements: true });
    expect(await sql.query(INSERT, [1], { prepare: true })).toEqual([{ x: 1 }]);
    expect(sql.namedStatements).toBe(false);
    expect(await rows()).toEqual([1]);
  });

  it('names at most maxNamedTexts distinct texts; texts beyond go unnamed (a text that varies with the input cannot grow the server without bound)', async () => {
    const sql = createSqlRunner(pool, { namedStatements: true, maxNamedTexts: 2 });
    const texts = [1, 2, 3, 4].map((k) => `SELECT $1::int + ${k} AS x`);
    for (const text of texts) await sql.query(text, [1], { prepare: true });
    expect(await sql.query(texts[3]!, [1], { prepare: true })).toEqual([{ x: 5 }]);
    expect(await preparedNames()).toEqual(texts.slice(0, 2).map(statementName).sort());
    expect(sql.namedStatements).toBe(true);
  });

  it('any other error is the caller’s, unchanged, and leaves named statements on', async () => {
    const sql = createSqlRunner(pool, { namedStatements: true });
    await sql.query(INSERT, [1], { prepare: true });
    await expect(sql.query(INSERT, [1], { prepare: true })).rejects.toMatchObject({ code: '23505' });
    expect(sql.namedStatements).toBe(true);
    expect(await rows()).toEqual([1]);
  });
  it('parseText decodes the text columns as rows arrive, named or unnamed, and leaves other types, nulls and later queries alone', async () => {
    const sql = createSqlRunner(pool, { namedStatements: true });
    const text = `SELECT '{"a": [1, 2]}'::text AS doc, NULL::text AS none, 'kept'::varchar AS label, 7::int8 AS n, x FROM runner_rows`;
    await pool.query('INSERT INTO runner_rows (x) VALUES (1)');
    for (const prepare of [true, false]) {
      expect(await sql.query(text, [], { prepare, parseText: (t) => JSON.parse(t) as unknown })).toEqual([{ doc: { a: [1, 2] }, none: null, label: 'kept', n: '7', x: 1 }]);
      expect(await sql.query(text, [], { prepare })).toEqual([{ doc: '{"a": [1, 2]}', none: null, label: 'kept', n: '7', x: 1 }]);
    }
  });
});

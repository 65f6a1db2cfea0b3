// The fault proxy against the real server: each moment does what it says, seen
// from a separate direct connection.
import { Client } from 'pg';
import { describePostgres } from './describeEachDatabase';
import { startFaultProxyFor, type FaultProxy } from './faultProxy';

describePostgres('fault proxy', (db) => {
  let proxy: FaultProxy;
  let direct: Client;
  beforeAll(async () => {
    proxy = await startFaultProxyFor(db().url!);
    direct = new Client({ connectionString: db().url! });
    // the database is dropped (its connections terminated) by the outer afterAll
    direct.on('error', () => undefined);
    await direct.connect();
    await direct.query('CREATE TABLE fault_probe (n int)');
  });
  afterAll(async () => {
    await direct?.end();
    await proxy?.close();
  });

  async function throughProxy<T>(body: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: proxy.urlFor(db().url!) });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await body(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const count = async (n: number) => Number((await direct.query('SELECT count(*) AS c FROM fault_probe WHERE n = $1', [n])).rows[0].c);

  it('passes requests through untouched until a cut is asked for', async () => {
    await throughProxy((c) => c.query('INSERT INTO fault_probe VALUES ($1)', [1]));
    expect(await count(1)).toBe(1);
    expect(proxy.cuts).toEqual({ 'before-request': 0, 'after-request': 0, 'after-commit': 0 });
  });

  it('before-request: the client fails and the server never ran the statement', async () => {
    proxy.cutNext('before-request');
    await expect(throughProxy((c) => c.query('INSERT INTO fault_probe VALUES ($1)', [2]))).rejects.toThrow();
    expect(await count(2)).toBe(0);
    expect(proxy.cuts['before-request']).toBe(1);
  });

  it('after-commit: the client fails, the row is committed', async () => {
    proxy.cutNext('after-commit');
    await expect(throughProxy((c) => c.query('INSERT INTO fault_probe VALUES ($1)', [3]))).rejects.toThrow();
    expect(await count(3)).toBe(1);
    expect(proxy.cuts['after-commit']).toBe(1);
  });

  it('after-commit waits for the commit of an explicit transaction, not the statements before it', async () => {
    await expect(
      throughProxy(async (c) => {
        await c.query('BEGIN');
        proxy.cutNext('after-commit');
        await c.query('INSERT INTO fault_probe VALUES ($1)', [4]);
        await c.query('INSERT INTO fault_probe VALUES ($1)', [4]);
        await c.query('COMMIT');
      }),
    ).rejects.toThrow();
    expect(await count(4)).toBe(2);
  });

  it('after-request: the client fails; the server got the request', async () => {
    proxy.cutNext('after-request');
    await expect(throughProxy((c) => c.query('SELECT pg_sleep(0.2)'))).rejects.toThrow();
    expect(proxy.cuts['after-request']).toBe(1);
  });
});

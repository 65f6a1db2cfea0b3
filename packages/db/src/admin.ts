import { Client } from 'pg';

/**
 * One statement on its own short-lived connection: CREATE/DROP DATABASE
 * cannot run inside a transaction or on a pooled connection to the database
 * being dropped.
 */
export async function runAdminStatement(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The same server URL, pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

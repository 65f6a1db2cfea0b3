import type { DatabaseClient } from '../client';

export interface TestDatabase extends DatabaseClient {
  kind: 'pglite' | 'postgresql';
  /** connection URL of the test database (PostgreSQL only) */
  url?: string;
}

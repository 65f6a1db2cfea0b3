import { createHash } from 'node:crypto';

/**
 * Prisma Migrate's checksum: SHA-256 of the migration.sql bytes, lowercase hex
 * (what `prisma migrate deploy` stores in _prisma_migrations.checksum).
 */
export function migrationChecksum(script: string | Buffer): string {
  return createHash('sha256').update(script).digest('hex');
}

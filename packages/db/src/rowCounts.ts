import type { PrismaClient } from './generated/prisma/client';

/**
 * Row count of every application table (all tables of the current schema
 * except Prisma's bookkeeping), for "bad input leaves the database unchanged".
 */
export async function countAllRows(prisma: PrismaClient): Promise<Record<string, number>> {
  const tables = await prisma.$queryRaw<Array<{ table_name: string }>>`
    SELECT table_name::text AS table_name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'
    ORDER BY table_name`;
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const rows = await prisma.$queryRawUnsafe<Array<{ n: bigint | number }>>(`SELECT count(*) AS n FROM "${table_name.replace(/"/g, '""')}"`);
    counts[table_name] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

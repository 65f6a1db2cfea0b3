import { loadDataModel, type PrismaClient } from '@agentstate/db';
import { AGE_BUCKETS, classifyConstraint, computeVerdict, expectedForeignKeys, findConstraint, windowStart } from './checks';
import { countAutoProvisionedByAge, countOrphans, countRefusals, countUnreferencedElements, largestUsersByStoredBytes, readForeignKeys, readTables } from './queries';
import type { DoctorReport, ForeignKeyCheck } from './types';

export const DEFAULT_DAYS = 7;

export interface FkDoctorOptions {
  /** refusals of the last `days` days (positive integer, default 7) */
  days?: number;
  /** the time ages and the refusal window are measured from (default: now) */
  now?: Date;
  /** how to name the database in the report, e.g. DatabaseClient.description (password redacted) */
  database?: string;
}

/** The database lacks tables of the schema: nothing meaningful can be checked until it is migrated. */
export class DatabaseNotMigratedError extends Error {
  override name = 'DatabaseNotMigratedError';
  constructor(readonly missingTables: string[]) {
    super(`missing table(s) ${missingTables.join(', ')}: the database is not migrated (run pnpm db:migrate)`);
  }
}

/**
 * Checks the database behind `prisma` against Prisma's data model: each
 * foreign key's constraint and orphan rows, auto-provisioned users by age,
 * recent provisioning refusals, and growing-state storage (element rows no
 * layout references, the users storing the most bytes). Read-only.
 */
export async function runFkDoctor(prisma: PrismaClient, options: FkDoctorOptions = {}): Promise<DoctorReport> {
  const days = options.days ?? DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`days must be a positive integer, got ${days}`);
  const now = options.now ?? new Date();
  const dataModel = loadDataModel();

  const tables = await readTables(prisma);
  const missingTables = [...dataModel.models.values()].map((model) => model.table).filter((table) => !tables.has(table));
  if (missingTables.length > 0) throw new DatabaseNotMigratedError(missingTables);

  const found = await readForeignKeys(prisma);
  const foreignKeys: ForeignKeyCheck[] = [];
  for (const fk of expectedForeignKeys(dataModel)) {
    const constraint = findConstraint(fk, found);
    const { state, differences } = classifyConstraint(fk, constraint);
    foreignKeys.push({ ...fk, state, foundConstraint: constraint?.constraint ?? null, differences, orphans: await countOrphans(prisma, fk) });
  }

  const counts = await countAutoProvisionedByAge(prisma, now);
  const since = windowStart(now, days);
  const byReason = await countRefusals(prisma, since);
  return {
    ...(options.database === undefined ? {} : { database: options.database }),
    checkedAt: now.toISOString(),
    foreignKeys,
    autoProvisionedUsers: {
      total: counts.reduce((a, b) => a + b, 0),
      buckets: AGE_BUCKETS.map((bucket, i) => ({ label: bucket.label, count: counts[i] ?? 0 })),
    },
    refusals: { days, since: since.toISOString(), total: byReason.reduce((a, r) => a + r.count, 0), byReason },
    growingState: { unreferencedElements: await countUnreferencedElements(prisma), largestUsers: await largestUsersByStoredBytes(prisma) },
    verdict: computeVerdict(foreignKeys),
  };
}

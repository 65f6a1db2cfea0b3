import { parseArgs } from 'node:util';
import { DEFAULT_DAYS } from './doctor';

export interface DoctorArgs {
  json: boolean;
  days: number;
  help: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage: pnpm fk:doctor [-- [--json] [--days N]]

Checks the configured database (DATABASE_URL, else the embedded PGlite folder)
against Prisma's data model: every foreign key present and validated, no
orphan rows; also counts auto-provisioned users by age and provisioning
refusals of the last N days. Read-only; never migrates a PostgreSQL database.

  --json      one JSON document on stdout instead of the text report
  --days N    refusal window in days (positive integer, default ${DEFAULT_DAYS})
  -h, --help  this text

exit codes: 0 healthy, 1 a foreign key missing, NOT VALID or different from
the schema, or orphan rows; 2 usage error or database not reachable/not migrated`;

/** Parses the CLI arguments; a leading `--` (as `pnpm fk:doctor -- --json` may pass it) is ignored. */
export function parseDoctorArgs(argv: readonly string[]): DoctorArgs {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, days: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  let days = DEFAULT_DAYS;
  if (values.days !== undefined) {
    days = Number(values.days);
    if (!/^\d+$/.test(values.days) || days < 1 || days > 36_500) throw new UsageError(`--days must be a whole number of days from 1 to 36500, got "${values.days}"`);
  }
  return { json: values.json === true, days, help: values.help === true };
}

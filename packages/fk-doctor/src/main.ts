import { createPrismaClient, describeDatabase, redactUrl, resolveDatabaseConfig, type DatabaseClient, type DatabaseConfig } from '@agentstate/db';
import { parseDoctorArgs, UsageError, USAGE } from './args';
import { runFkDoctor } from './doctor';
import { formatReport } from './format';
import { printable, printableJson } from './printable';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

/**
 * `pnpm fk:doctor`: returns the exit code (0 healthy, 1 problems found, 2
 * usage error or no report possible) and never calls process.exit, so tests
 * can run it in-process.
 */
export async function main(argv: readonly string[], io: CliIo = processIo, env: Record<string, string | undefined> = process.env): Promise<number> {
  let args;
  let config: DatabaseConfig;
  try {
    args = parseDoctorArgs(argv);
    if (args.help) {
      io.stdout(USAGE);
      return 0;
    }
    config = resolveDatabaseConfig(env);
  } catch (error) {
    io.stderr(`fk:doctor: ${printable(message(error))}${error instanceof UsageError ? `\n\n${USAGE}` : ''}`);
    return 2;
  }

  const description = describeDatabase(config);
  let db: DatabaseClient | undefined;
  try {
    // A diagnostic never migrates a user's PostgreSQL database; the embedded
    // PGlite folder keeps its usual migrate-on-first-use default.
    db = await createPrismaClient({ config, ...(config.provider === 'postgresql' ? { migrate: false } : {}) });
    const report = await runFkDoctor(db.prisma, { days: args.days, database: description });
    io.stdout(args.json ? printableJson(report) : formatReport(report));
    return report.verdict.healthy ? 0 : 1;
  } catch (error) {
    const text = config.provider === 'postgresql' ? message(error).split(config.url).join(redactUrl(config.url)) : message(error);
    io.stderr(`fk:doctor: cannot check ${printable(description)}: ${printable(text)}`);
    return 2;
  } finally {
    await db?.close().catch(() => undefined);
  }
}

/** One line: Prisma's messages open with "Invalid `prisma.$queryRaw()` invocation:" and blank lines. */
function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^Invalid `.*` invocation:?$/.test(line))
    .join(' ');
}

// CLI entry: `tsx src/main.ts` runs the story; `tsx src/main.ts serve [--port N] [--env E]` runs the HTTP API;
// `tsx src/main.ts dev-token <userId>` prints a development token for it.
// The story and serve use createPrismaClient(): embedded PGlite in .data/pglite, or DATABASE_URL.
import { createPrismaClient } from '@agentstate/db';
import { resolveEnvironment } from '@agentstate/policy';
import { parseDevTokenArgs, parseServeArgs, USAGE, UsageError } from './args';
import { parseAuthConfig } from './auth/config';
import { mintDevToken, DevTokenError } from './auth/devToken';
import { AuthConfigError } from './auth/errors';
import { BindRefusedError } from './bind';
import { line, stdoutOutput } from './output';
import { serve } from './serve';
import { runStory } from './story';

async function story(): Promise<void> {
  // The story is a development tool: unless the environment says otherwise, it runs as development
  // (embedded PGlite, dev users auto-created). With NODE_ENV/AGENT_STATE_ENV=production it refuses them.
  if (process.env.AGENT_STATE_ENV === undefined && process.env.NODE_ENV === undefined) process.env.AGENT_STATE_ENV = 'development';
  const out = stdoutOutput();
  const db = await createPrismaClient();
  try {
    const applied = db.migrations?.applied ?? [];
    line(out, `agent-state demo on ${db.description}${applied.length > 0 ? ` (applied migrations: ${applied.join(', ')})` : ''}`);
    await runStory({ prisma: db.prisma, out });
  } finally {
    await db.close();
  }
}

async function devToken(argv: string[]): Promise<void> {
  const { userId, ttlSeconds } = parseDevTokenArgs(argv);
  // The token alone on stdout, so that TOKEN=$(...) works.
  console.log(await mintDevToken({ config: parseAuthConfig(process.env), environment: resolveEnvironment(process.env), userId, ttlSeconds }));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined) return story();
  if (command === 'serve') return serve(parseServeArgs(rest));
  if (command === 'dev-token') return devToken(rest);
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return;
  }
  throw new UsageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  // Configuration the operator must fix: one clear line, exit 2, nothing was opened.
  if (error instanceof AuthConfigError || error instanceof BindRefusedError || error instanceof DevTokenError) {
    console.error(`error ${error.code}: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});

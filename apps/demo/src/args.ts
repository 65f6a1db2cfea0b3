import { isEnvironment, type Environment } from '@agentstate/policy';

export interface ServeArgs {
  port: number;
  host: string;
  /** undefined: the service's default (AGENT_STATE_ENV, else NODE_ENV) */
  environment: Environment | undefined;
}

export const DEFAULT_PORT = 3000;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses `serve [--port N] [--host H] [--env E]` (also `--port=N`). */
export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const result: ServeArgs = { port: DEFAULT_PORT, host: '127.0.0.1', environment: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined || next === '') throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--port': {
        const text = value();
        const port = Number(text);
        if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port must be an integer 0..65535, got "${text}"`);
        result.port = port;
        break;
      }
      case '--host':
        result.host = value();
        break;
      case '--env': {
        const env = value();
        if (!isEnvironment(env)) throw new UsageError(`--env must be one of development, test, staging, production, unknown; got "${env}"`);
        result.environment = env;
        break;
      }
      default:
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  return result;
}

export const USAGE = `usage:
  tsx src/main.ts                     run the story (PGlite in .data/pglite, or DATABASE_URL)
  tsx src/main.ts serve [--port N] [--host H] [--env development|test|staging|production|unknown]
                                      HTTP JSON API over the same service (default port ${DEFAULT_PORT})`;

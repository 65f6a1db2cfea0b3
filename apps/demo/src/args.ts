import { isEnvironment, type Environment } from '@agentstate/policy';

export interface ServeArgs {
  port: number;
  host: string;
  /** undefined: the service's default (AGENT_STATE_ENV, else NODE_ENV); it can narrow that, never widen it */
  environment: Environment | undefined;
  /** --public: the operator confirms a host reachable from other machines */
  public: boolean;
}

export interface DevTokenArgs {
  userId: string;
  ttlSeconds: number;
}

export const DEFAULT_PORT = 3000;
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
export const MAX_TOKEN_TTL_SECONDS = 24 * 3600;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Walks `--flag value` / `--flag=value` / bare flags; `onFlag` reads values through `value()`. */
function walk(argv: readonly string[], onFlag: (flag: string, value: () => string, arg: string) => void): string[] {
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    onFlag(flag, () => {
      const next = inline ?? argv[++i];
      if (next === undefined || next === '') throw new UsageError(`${flag} needs a value`);
      return next;
    }, arg);
  }
  return positional;
}

/** Parses `serve [--port N] [--host H] [--public] [--env E]` (also `--port=N`). */
export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const result: ServeArgs = { port: DEFAULT_PORT, host: '127.0.0.1', environment: undefined, public: false };
  const positional = walk(argv, (flag, value, arg) => {
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
      case '--public':
        if (arg !== '--public') throw new UsageError('--public takes no value');
        result.public = true;
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
  });
  if (positional.length > 0) throw new UsageError(`unknown argument "${positional[0]}"`);
  return result;
}

/** Parses `dev-token <userId> [--ttl SECONDS]`. */
export function parseDevTokenArgs(argv: readonly string[]): DevTokenArgs {
  let ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS;
  const positional = walk(argv, (flag, value, arg) => {
    if (flag !== '--ttl') throw new UsageError(`unknown argument "${arg}"`);
    const text = value();
    ttlSeconds = Number(text);
    if (!/^\d+$/.test(text) || ttlSeconds < 1 || ttlSeconds > MAX_TOKEN_TTL_SECONDS) throw new UsageError(`--ttl must be 1..${MAX_TOKEN_TTL_SECONDS} seconds, got "${text}"`);
  });
  const [userId, ...extra] = positional;
  if (userId === undefined) throw new UsageError('dev-token needs a user id');
  if (extra.length > 0) throw new UsageError(`unknown argument "${extra[0]}"`);
  return { userId, ttlSeconds };
}

export const USAGE = `usage:
  tsx src/main.ts                     run the story (PGlite in .data/pglite, or DATABASE_URL)
  tsx src/main.ts serve [--port N] [--host H] [--public] [--env development|test|staging|production|unknown]
                                      HTTP JSON API over the same service (default 127.0.0.1:${DEFAULT_PORT});
                                      needs AUTH_JWT_SECRET or AUTH_JWKS_URL; a non-loopback --host needs --public
  tsx src/main.ts dev-token <userId> [--ttl SECONDS]
                                      prints an HS256 token for <userId> signed with AUTH_JWT_SECRET
                                      (AGENT_STATE_ENV/NODE_ENV development or test only; default ttl ${DEFAULT_TOKEN_TTL_SECONDS})
exit codes: 0 ok, 1 failure, 2 bad arguments or configuration`;

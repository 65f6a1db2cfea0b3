export type Environment = 'development' | 'test' | 'staging' | 'production' | 'unknown';

/** Every value resolveEnvironment can return, in a stable order. */
export const ENVIRONMENTS: readonly Environment[] = Object.freeze([
  'development',
  'test',
  'staging',
  'production',
  'unknown',
] as const);

/**
 * The only environments in which auto-creation can ever be allowed. A config
 * may narrow this list but never widen it (fail closed).
 */
export const AUTO_CREATE_CAPABLE_ENVIRONMENTS: readonly Environment[] = Object.freeze([
  'development',
  'test',
] as const);

// Only these exact strings are recognised; everything else is 'unknown'.
const KNOWN: ReadonlySet<string> = new Set(['development', 'test', 'staging', 'production']);

export function isEnvironment(value: unknown): value is Environment {
  return typeof value === 'string' && (KNOWN.has(value) || value === 'unknown');
}

/**
 * Reads AGENT_STATE_ENV, else NODE_ENV, from `env` (default process.env).
 *
 * Exact and case-sensitive, no trimming: only 'development', 'test', 'staging'
 * and 'production' map to themselves; anything else ('', 'Production',
 * ' production', 'dev', 'prod', unset) is 'unknown', which never allows
 * auto-creation. AGENT_STATE_ENV wins as soon as it is present, even when it
 * is '' or unrecognised: falling back to NODE_ENV in that case could turn a
 * typo into 'development' and open auto-creation (fail closed).
 */
export function resolveEnvironment(
  env: Record<string, string | undefined> = process.env,
): Environment {
  if (env == null || typeof env !== 'object') return 'unknown';
  const agentStateEnv = env['AGENT_STATE_ENV'];
  const raw = agentStateEnv !== undefined ? agentStateEnv : env['NODE_ENV'];
  return typeof raw === 'string' && KNOWN.has(raw) ? (raw as Environment) : 'unknown';
}

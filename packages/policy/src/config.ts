import { displayValue } from './display';
import { AUTO_CREATE_CAPABLE_ENVIRONMENTS } from './environment';
import type { Environment } from './environment';
import { PolicyConfigurationError } from './errors';
import { assertMaxIdLength, DEFAULT_MAX_ID_LENGTH, isIdentifierShaped } from './identifiers';
import { DEFAULT_USER_AUTO_CREATE, DEFAULT_USER_ROLES, userRowDefaults } from './rules';
import type { EntityRule } from './rules';

/** Declarative, per-entity policy configuration. Always deeply frozen when built here. */
export interface ProvisioningPolicyConfig {
  /** Auto-creation rules by referenced Prisma model name. Default: { User }. */
  readonly entities: Readonly<Record<string, EntityRule>>;
  /** runIds starting with this (exact, case-sensitive) are ephemeral. Default 'run_'. */
  readonly ephemeralRunPrefix: string;
  /** Subset of ['development', 'test']; can only be narrowed. Default both. */
  readonly autoCreateEnvironments: readonly Environment[];
  /** Longest accepted id, in UTF-16 code units. Default 128 (the id columns). */
  readonly maxIdLength: number;
}

export interface ProvisioningPolicyOptions {
  /** Email domain for auto-created Users (built-in User rule only). */
  readonly emailDomain?: string;
  /** Role per built-in User label ('dev-temp', 'test'), merged over the defaults. */
  readonly roles?: Readonly<Record<string, string>>;
  /** Extra entity rules; a name that exists (e.g. 'User') replaces the built-in rule. */
  readonly entities?: Readonly<Record<string, EntityRule>>;
  readonly ephemeralRunPrefix?: string;
  readonly maxIdLength?: number;
  /** Narrow ['development', 'test']; 'staging', 'production' or 'unknown' throw. */
  readonly autoCreateEnvironments?: readonly Environment[];
}

const OPTION_KEYS: ReadonlySet<string> = new Set([
  'emailDomain',
  'roles',
  'entities',
  'ephemeralRunPrefix',
  'maxIdLength',
  'autoCreateEnvironments',
]);

// Prisma model names: an identifier, so no prototype keys like '__proto__'.
const MODEL_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

// Configs built (or checked) here are deeply frozen, so one check is enough.
const validatedConfigs = new WeakSet<object>();

/**
 * Builds a validated, deeply frozen config from options. Unknown option keys,
 * a widened autoCreateEnvironments or a malformed rule throw
 * PolicyConfigurationError: a policy that cannot be trusted is never built.
 */
export function createPolicyConfig(options: ProvisioningPolicyOptions = {}): ProvisioningPolicyConfig {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new PolicyConfigurationError(`Policy options must be an object, got ${displayValue(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new PolicyConfigurationError(
        `Unknown policy option ${displayValue(key)}; known options: ${[...OPTION_KEYS].join(', ')}.`,
      );
    }
  }
  const entityOverrides = options.entities ?? {};
  if (entityOverrides === null || typeof entityOverrides !== 'object' || Array.isArray(entityOverrides)) {
    throw new PolicyConfigurationError(`entities must be an object of model name -> rule, got ${displayValue(entityOverrides)}.`);
  }
  const customisesUser = options.emailDomain !== undefined || options.roles !== undefined;
  if (customisesUser && Object.hasOwn(entityOverrides, 'User')) {
    throw new PolicyConfigurationError(
      'emailDomain/roles customise the built-in User rule and cannot be combined with entities.User; put them in your own rule instead (see userRowDefaults).',
    );
  }
  for (const label of Object.keys(options.roles ?? {})) {
    if (!Object.hasOwn(DEFAULT_USER_ROLES, label)) {
      throw new PolicyConfigurationError(
        `roles has unknown label ${displayValue(label)}; the built-in User labels are ${Object.keys(DEFAULT_USER_ROLES).join(', ')}.`,
      );
    }
  }
  const userRule: EntityRule = {
    autoCreate: DEFAULT_USER_AUTO_CREATE,
    defaults: userRowDefaults({ emailDomain: options.emailDomain, roles: options.roles }),
  };
  return normalizePolicyConfig({
    entities: { User: userRule, ...entityOverrides },
    ephemeralRunPrefix: options.ephemeralRunPrefix ?? 'run_',
    autoCreateEnvironments: options.autoCreateEnvironments ?? AUTO_CREATE_CAPABLE_ENVIRONMENTS,
    maxIdLength: options.maxIdLength ?? DEFAULT_MAX_ID_LENGTH,
  });
}

/**
 * Validates a full config, copies it, probes every rule's defaults() once
 * (so a broken rule fails now, not on the first save) and deeply freezes it.
 */
export function normalizePolicyConfig(config: ProvisioningPolicyConfig): ProvisioningPolicyConfig {
  if (validatedConfigs.has(config)) return config;
  assertPolicyConfig(config);
  const entities: Record<string, EntityRule> = {};
  for (const [name, rule] of Object.entries(config.entities)) {
    const autoCreate = Object.freeze(rule.autoCreate.map(({ prefix, label }) => Object.freeze({ prefix, label })));
    for (const match of autoCreate) probeDefaults(name, rule, match);
    entities[name] = Object.freeze({ autoCreate, defaults: rule.defaults });
  }
  const frozen: ProvisioningPolicyConfig = Object.freeze({
    entities: Object.freeze(entities),
    ephemeralRunPrefix: config.ephemeralRunPrefix,
    autoCreateEnvironments: Object.freeze([...new Set(config.autoCreateEnvironments)]),
    maxIdLength: config.maxIdLength,
  });
  validatedConfigs.add(frozen);
  return frozen;
}

/** The rule for `entity`, own properties only (so 'toString' is not a rule). */
export function ruleForEntity(config: ProvisioningPolicyConfig, entity: string): EntityRule | undefined {
  return Object.hasOwn(config.entities, entity) ? config.entities[entity] : undefined;
}

/** @internal structural check, cheap enough to run per decision for foreign configs. */
export function assertPolicyConfig(config: unknown): asserts config is ProvisioningPolicyConfig {
  if (validatedConfigs.has(config as object)) return;
  if (!isPlainObject(config)) {
    throw new PolicyConfigurationError(`Policy config must be an object, got ${displayValue(config)}.`);
  }
  assertMaxIdLength(config['maxIdLength']);
  const maxIdLength = config['maxIdLength'];
  if (!isIdentifierShaped(config['ephemeralRunPrefix'])) {
    throw new PolicyConfigurationError(
      `ephemeralRunPrefix must be a non-empty string of id characters, got ${displayValue(config['ephemeralRunPrefix'])}.`,
    );
  }
  assertAutoCreateEnvironments(config['autoCreateEnvironments']);
  const entities = config['entities'];
  if (!isPlainObject(entities)) {
    throw new PolicyConfigurationError(`entities must be an object of model name -> rule, got ${displayValue(entities)}.`);
  }
  for (const [name, rule] of Object.entries(entities)) assertEntityRule(name, rule, maxIdLength);
}

function assertAutoCreateEnvironments(value: unknown): void {
  if (!Array.isArray(value)) {
    throw new PolicyConfigurationError(`autoCreateEnvironments must be an array, got ${displayValue(value)}.`);
  }
  for (const environment of value) {
    if (!AUTO_CREATE_CAPABLE_ENVIRONMENTS.includes(environment as Environment)) {
      throw new PolicyConfigurationError(
        `autoCreateEnvironments may only contain ${AUTO_CREATE_CAPABLE_ENVIRONMENTS.join(' and ')} (it can be narrowed, never widened), got ${displayValue(environment)}.`,
      );
    }
  }
}

function assertEntityRule(name: string, rule: unknown, maxIdLength: number): void {
  if (!MODEL_NAME.test(name)) {
    throw new PolicyConfigurationError(`Entity name ${displayValue(name)} is not a model name (letters, digits, _).`);
  }
  if (!isPlainObject(rule) || !Array.isArray(rule['autoCreate']) || typeof rule['defaults'] !== 'function') {
    throw new PolicyConfigurationError(
      `Rule for ${name} must be { autoCreate: Array<{ prefix, label }>, defaults: (id, match) => row }.`,
    );
  }
  const seen = new Set<string>();
  for (const entry of rule['autoCreate'] as unknown[]) {
    const prefix = isPlainObject(entry) ? entry['prefix'] : undefined;
    const label = isPlainObject(entry) ? entry['label'] : undefined;
    if (!isIdentifierShaped(prefix) || prefix.length >= maxIdLength) {
      throw new PolicyConfigurationError(
        `Auto-create prefix for ${name} must be a non-empty string of id characters shorter than maxIdLength (${maxIdLength}), got ${displayValue(prefix)}.`,
      );
    }
    if (typeof label !== 'string' || label.length === 0) {
      throw new PolicyConfigurationError(`Auto-create prefix "${prefix}" of ${name} needs a non-empty label.`);
    }
    if (seen.has(prefix)) {
      throw new PolicyConfigurationError(`Auto-create prefix "${prefix}" appears twice in the rule for ${name}.`);
    }
    seen.add(prefix);
  }
}

function probeDefaults(name: string, rule: EntityRule, match: { prefix: string; label: string }): void {
  let row: unknown;
  try {
    row = rule.defaults(`${match.prefix}x`, match);
  } catch (error) {
    if (error instanceof PolicyConfigurationError) throw error;
    throw new PolicyConfigurationError(`defaults() of ${name} threw for prefix "${match.prefix}".`, { cause: error });
  }
  if (!isPlainObject(row)) {
    throw new PolicyConfigurationError(
      `defaults() of ${name} must return an object of column values, got ${displayValue(row)} for prefix "${match.prefix}".`,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Built-in config: User with dev-temp-/test-, 'run_', development+test, 128. */
export const DEFAULT_POLICY_CONFIG: ProvisioningPolicyConfig = createPolicyConfig();

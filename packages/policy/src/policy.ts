import { assertPolicyConfig, createPolicyConfig, ruleForEntity } from './config';
import type { ProvisioningPolicyConfig, ProvisioningPolicyOptions } from './config';
import type { AutoCreateMatch, PolicyContext, ProvisioningDecision, ProvisioningRequest, ReasonCode } from './decision';
import { displayValue } from './display';
import { AUTO_CREATE_CAPABLE_ENVIRONMENTS, isEnvironment } from './environment';
import type { Environment } from './environment';
import { PolicyConfigurationError } from './errors';
import { describeIdentifierProblem, identifierProblem } from './identifiers';
import { matchAutoCreatePrefix } from './rules';
import type { EntityRule } from './rules';

/**
 * Decides what to do about a referenced row that may be missing. Pure: the
 * same (config, request, context) always gives the same decision; nothing is
 * read from process.env. The first step that applies wins:
 *
 * 0. entity is not a non-empty string          -> reject UNKNOWN_ENTITY
 * 1. id is not a valid identifier               -> reject INVALID_ID_* (TYPE, EMPTY,
 *    TOO_LONG, WHITESPACE, CONTROL_CHARACTER, CHARACTER, in that order)
 * 2. runId is a string starting with ephemeralRunPrefix -> skip EPHEMERAL_RUN
 * 3. entity has no rule                         -> require-existing NO_AUTO_CREATE_RULE
 * 4. id starts with an auto-create prefix (non-empty rest):
 *    environment in autoCreateEnvironments      -> create-if-missing AUTO_CREATE_ALLOWED
 *    environment 'production'                   -> reject DEV_ID_IN_PRODUCTION
 *    otherwise (staging, unknown, narrowed out) -> require-existing AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED
 * 5. anything else                              -> require-existing NO_AUTO_CREATE_RULE
 *
 * An invalid context.environment counts as 'unknown' (fail closed).
 */
export function decideProvisioning(
  config: ProvisioningPolicyConfig,
  request: ProvisioningRequest,
  context: PolicyContext,
): ProvisioningDecision {
  assertPolicyConfig(config);
  const environment: Environment = isEnvironment(context?.environment) ? context.environment : 'unknown';
  const { entity, id, runId } = readRequest(request);

  if (typeof entity !== 'string' || entity.length === 0) {
    return decision('reject', 'UNKNOWN_ENTITY', displayValue(entity), displayValue(id), environment,
      `Entity must be the non-empty name of the referenced model (e.g. "User"), got ${displayValue(entity)}; the save is refused.`);
  }
  const subject = entityName(entity);

  const problem = identifierProblem(id, config.maxIdLength);
  if (problem !== undefined) {
    return decision('reject', problem.code, entity, displayValue(id), environment,
      `${describeIdentifierProblem(`${subject} id`, id, problem, config.maxIdLength)} The save is refused.`);
  }
  const validId = id as string;
  const shownId = displayValue(validId);

  if (typeof runId === 'string' && runId.startsWith(config.ephemeralRunPrefix)) {
    return decision('skip', 'EPHEMERAL_RUN', entity, validId, environment,
      `Run ${displayValue(runId)} is ephemeral (its id starts with "${config.ephemeralRunPrefix}"), so the save is skipped and ${subject} ${shownId} is neither looked up nor created.`);
  }

  const rule = ruleForEntity(config, entity);
  if (rule === undefined) {
    return decision('require-existing', 'NO_AUTO_CREATE_RULE', entity, validId, environment,
      `${subject} has no auto-create rule, so ${subject} ${shownId} must already exist; create it before saving.`);
  }

  const match = matchAutoCreatePrefix(rule, validId);
  if (match === undefined) {
    return decision('require-existing', 'NO_AUTO_CREATE_RULE', entity, validId, environment,
      `${subject} ${shownId} does not start with an auto-create prefix (${listPrefixes(rule)}, each followed by at least one character), so it must already exist; create the ${subject} first.`);
  }
  return decideForMatch(config, rule, entity, subject, validId, match, environment);
}

function decideForMatch(
  config: ProvisioningPolicyConfig,
  rule: EntityRule,
  entity: string,
  subject: string,
  id: string,
  match: AutoCreateMatch,
  environment: Environment,
): ProvisioningDecision {
  const shown = `${subject} ${displayValue(id)}`;
  const allowed = allowedEnvironments(config);
  if (allowed.includes(environment)) {
    return Object.freeze({
      kind: 'create-if-missing',
      entity,
      id,
      code: 'AUTO_CREATE_ALLOWED',
      reason: `${shown} matches auto-create prefix "${match.prefix}" (${match.label}) and auto-creation is allowed in ${environment}, so a missing row may be created.`,
      environment,
      match,
      defaults: rowDefaults(subject, rule, id, match),
    });
  }
  if (environment === 'production') {
    return decision('reject', 'DEV_ID_IN_PRODUCTION', entity, id, environment,
      `${shown} looks like a ${match.label} id (prefix "${match.prefix}") and such ids are never auto-created in production; the save is refused. Use a real ${subject} id, or run with AGENT_STATE_ENV=development or test.`,
      match);
  }
  const where = environment === 'unknown'
    ? 'the environment is unknown (AGENT_STATE_ENV, else NODE_ENV, is unset or not exactly development, test, staging or production)'
    : `auto-creation is not allowed in ${environment}`;
  const fix = allowed.length > 0
    ? `Set AGENT_STATE_ENV=${allowed.join(' or ')} to allow auto-creation, or create the ${subject} first.`
    : `This policy allows auto-creation in no environment; create the ${subject} first.`;
  return decision('require-existing', 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED', entity, id, environment,
    `${shown} matches auto-create prefix "${match.prefix}" (${match.label}), but ${where}, so it must already exist. ${fix}`,
    match);
}

// Defence in depth: even a hand-built config can never allow auto-creation
// outside development/test.
function allowedEnvironments(config: ProvisioningPolicyConfig): Environment[] {
  return config.autoCreateEnvironments.filter((env) => AUTO_CREATE_CAPABLE_ENVIRONMENTS.includes(env));
}

function rowDefaults(subject: string, rule: EntityRule, id: string, match: AutoCreateMatch): Readonly<Record<string, unknown>> {
  const row: unknown = rule.defaults(id, match);
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    throw new PolicyConfigurationError(`defaults() of ${subject} must return an object of column values, got ${displayValue(row)}.`);
  }
  return Object.freeze({ ...row });
}

function decision(
  kind: 'skip' | 'require-existing' | 'reject',
  code: ReasonCode,
  entity: string,
  id: string,
  environment: Environment,
  reason: string,
  match?: AutoCreateMatch,
): ProvisioningDecision {
  return Object.freeze(match === undefined
    ? { kind, entity, id, code, reason, environment }
    : { kind, entity, id, code, reason, environment, match });
}

// Untyped callers may pass a non-object request: treat it as all-missing.
function readRequest(request: unknown): { entity: unknown; id: unknown; runId: unknown } {
  if (request === null || typeof request !== 'object') return { entity: undefined, id: undefined, runId: undefined };
  const { entity, id, runId } = request as Record<string, unknown>;
  return { entity, id, runId };
}

// Model names print as-is; anything odd is escaped like an id.
function entityName(entity: string): string {
  return /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(entity) ? entity : displayValue(entity);
}

function listPrefixes(rule: EntityRule): string {
  return rule.autoCreate.length === 0 ? 'none configured' : rule.autoCreate.map((p) => `"${p.prefix}"`).join(', ');
}

/**
 * A policy bound to one validated, deeply frozen config. Immutable: neither
 * mutating it nor changing process.env later changes its decisions (the
 * environment is passed in each call's context).
 */
export class UserProvisioningPolicy {
  readonly config: ProvisioningPolicyConfig;

  constructor(config: ProvisioningPolicyOptions = {}) {
    this.config = createPolicyConfig(config);
    // Only freeze a direct instance, so subclasses can still add fields.
    if (new.target === UserProvisioningPolicy) Object.freeze(this);
  }

  decide(request: ProvisioningRequest, context: PolicyContext): ProvisioningDecision {
    return decideProvisioning(this.config, request, context);
  }
}

export function createProvisioningPolicy(options: ProvisioningPolicyOptions = {}): UserProvisioningPolicy {
  return new UserProvisioningPolicy(options);
}

// The only public entry point of @agentstate/policy.
export { resolveEnvironment, isEnvironment, ENVIRONMENTS, AUTO_CREATE_CAPABLE_ENVIRONMENTS } from './environment';
export type { Environment } from './environment';
export { DECISION_KINDS, REASON_CODES } from './decision';
export type {
  AutoCreateMatch,
  DecisionKind,
  PolicyContext,
  ProvisioningDecision,
  ProvisioningRequest,
  ReasonCode,
} from './decision';
export { validateIdentifier, DEFAULT_MAX_ID_LENGTH, ID_ALLOWED_CHARACTERS } from './identifiers';
export type { IdentifierValidation } from './identifiers';
export { displayValue } from './display';
export {
  userRowDefaults,
  emailLocalPart,
  matchAutoCreatePrefix,
  DEFAULT_EMAIL_DOMAIN,
  DEFAULT_USER_AUTO_CREATE,
  DEFAULT_USER_ROLES,
} from './rules';
export type { AutoCreatePrefix, EntityRule, RowDefaults, UserRowDefaultsOptions } from './rules';
export { createPolicyConfig, normalizePolicyConfig, ruleForEntity, DEFAULT_POLICY_CONFIG } from './config';
export type { ProvisioningPolicyConfig, ProvisioningPolicyOptions } from './config';
export { decideProvisioning, UserProvisioningPolicy, createProvisioningPolicy } from './policy';
export { PolicyConfigurationError } from './errors';

import * as api from './index';

describe('public entry', () => {
  it('exports the runtime API', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AUTO_CREATE_CAPABLE_ENVIRONMENTS',
      'DECISION_KINDS',
      'DEFAULT_EMAIL_DOMAIN',
      'DEFAULT_MAX_ID_LENGTH',
      'DEFAULT_POLICY_CONFIG',
      'DEFAULT_USER_AUTO_CREATE',
      'DEFAULT_USER_ROLES',
      'ENVIRONMENTS',
      'ID_ALLOWED_CHARACTERS',
      'PolicyConfigurationError',
      'REASON_CODES',
      'UserProvisioningPolicy',
      'createPolicyConfig',
      'createProvisioningPolicy',
      'decideProvisioning',
      'displayValue',
      'emailLocalPart',
      'isEnvironment',
      'matchAutoCreatePrefix',
      'normalizePolicyConfig',
      'resolveEnvironment',
      'ruleForEntity',
      'userRowDefaults',
      'validateIdentifier',
    ]);
  });

  it('lists the twelve reason codes', () => {
    expect([...api.REASON_CODES].sort()).toEqual([
      'AUTO_CREATE_ALLOWED',
      'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED',
      'DEV_ID_IN_PRODUCTION',
      'EPHEMERAL_RUN',
      'INVALID_ID_CHARACTER',
      'INVALID_ID_CONTROL_CHARACTER',
      'INVALID_ID_EMPTY',
      'INVALID_ID_TOO_LONG',
      'INVALID_ID_TYPE',
      'INVALID_ID_WHITESPACE',
      'NO_AUTO_CREATE_RULE',
      'UNKNOWN_ENTITY',
    ]);
  });

  it('PolicyConfigurationError is an Error with a stable code', () => {
    const error = new api.PolicyConfigurationError('bad');
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('POLICY_CONFIGURATION_INVALID');
    expect(error.name).toBe('PolicyConfigurationError');
    expect(error.message).toBe('bad');
  });
});

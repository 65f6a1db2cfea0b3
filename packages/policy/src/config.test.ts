import { createPolicyConfig, DEFAULT_POLICY_CONFIG, normalizePolicyConfig, ruleForEntity } from './config';
import type { ProvisioningPolicyConfig, ProvisioningPolicyOptions } from './config';
import { PolicyConfigurationError } from './errors';
import type { EntityRule } from './rules';

const threadRule: EntityRule = {
  autoCreate: [{ prefix: 'thread-dev-', label: 'dev-thread' }],
  defaults: (id) => ({ title: `auto ${id}` }),
};

describe('DEFAULT_POLICY_CONFIG', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_POLICY_CONFIG.ephemeralRunPrefix).toBe('run_');
    expect(DEFAULT_POLICY_CONFIG.autoCreateEnvironments).toEqual(['development', 'test']);
    expect(DEFAULT_POLICY_CONFIG.maxIdLength).toBe(128);
    expect(Object.keys(DEFAULT_POLICY_CONFIG.entities)).toEqual(['User']);
    expect(DEFAULT_POLICY_CONFIG.entities['User']?.autoCreate).toEqual([
      { prefix: 'dev-temp-', label: 'dev-temp' },
      { prefix: 'test-', label: 'test' },
    ]);
  });

  it('is deeply frozen: mutation throws and changes nothing', () => {
    const config = DEFAULT_POLICY_CONFIG as unknown as {
      maxIdLength: number;
      autoCreateEnvironments: string[];
      entities: Record<string, { autoCreate: Array<{ prefix: string }>; defaults: unknown }>;
    };
    expect(() => { config.maxIdLength = 1; }).toThrow(TypeError);
    expect(() => { config.autoCreateEnvironments.push('production'); }).toThrow(TypeError);
    expect(() => { config.entities['AgentThread'] = { autoCreate: [], defaults: () => ({}) }; }).toThrow(TypeError);
    expect(() => { delete config.entities['User']; }).toThrow(TypeError);
    expect(() => { (config.entities['User'] as { autoCreate: Array<{ prefix: string }> }).autoCreate[0]!.prefix = ''; }).toThrow(TypeError);
    expect(() => { (config.entities['User'] as { defaults: unknown }).defaults = () => ({}); }).toThrow(TypeError);
    expect(DEFAULT_POLICY_CONFIG.maxIdLength).toBe(128);
    expect(DEFAULT_POLICY_CONFIG.autoCreateEnvironments).toEqual(['development', 'test']);
    expect(Object.keys(DEFAULT_POLICY_CONFIG.entities)).toEqual(['User']);
    expect(DEFAULT_POLICY_CONFIG.entities['User']?.autoCreate[0]?.prefix).toBe('dev-temp-');
  });
});

describe('createPolicyConfig', () => {
  it('adds entity rules next to User and copies them', () => {
    const input = { AgentThread: { ...threadRule, autoCreate: [...threadRule.autoCreate] } };
    const config = createPolicyConfig({ entities: input });
    expect(Object.keys(config.entities).sort()).toEqual(['AgentThread', 'User']);
    input.AgentThread.autoCreate.push({ prefix: 'x-', label: 'x' });
    expect(config.entities['AgentThread']?.autoCreate).toEqual([{ prefix: 'thread-dev-', label: 'dev-thread' }]);
  });

  it('replaces the built-in User rule when entities.User is given', () => {
    const user: EntityRule = { autoCreate: [{ prefix: 'qa-', label: 'qa' }], defaults: () => ({ role: 'qa' }) };
    expect(createPolicyConfig({ entities: { User: user } }).entities['User']?.autoCreate).toEqual([{ prefix: 'qa-', label: 'qa' }]);
  });

  it.each<[string, Partial<ProvisioningPolicyOptions>]>([
    ['narrow to test', { autoCreateEnvironments: ['test'] }],
    ['narrow to nothing', { autoCreateEnvironments: [] }],
    ['custom run prefix', { ephemeralRunPrefix: 'tmp:' }],
    ['custom max length', { maxIdLength: 64 }],
  ])('accepts %s', (_label, options) => {
    const config = createPolicyConfig(options);
    for (const [key, value] of Object.entries(options)) {
      expect(config[key as keyof ProvisioningPolicyConfig]).toEqual(value);
    }
  });

  it.each<[string, unknown]>([
    ['production in autoCreateEnvironments', { autoCreateEnvironments: ['development', 'production'] }],
    ['staging in autoCreateEnvironments', { autoCreateEnvironments: ['staging'] }],
    ['unknown in autoCreateEnvironments', { autoCreateEnvironments: ['unknown'] }],
    ['misspelt environment', { autoCreateEnvironments: ['Development'] }],
    ['autoCreateEnvironments not an array', { autoCreateEnvironments: 'development' }],
    ['unknown option key', { autoCreateEnvironment: ['test'] }],
    ['options not an object', 'development'],
    ['options null', null],
    ['maxIdLength 0', { maxIdLength: 0 }],
    ['maxIdLength fractional', { maxIdLength: 12.5 }],
    ['empty run prefix', { ephemeralRunPrefix: '' }],
    ['run prefix with whitespace', { ephemeralRunPrefix: 'run ' }],
    ['bad email domain', { emailDomain: 'not a domain' }],
    ['role for an unknown label', { roles: { tester: 'qa' } }],
    ['emailDomain together with entities.User', { emailDomain: 'x.test', entities: { User: threadRule } }],
    ['entity name not a model name', { entities: { 'agent thread': threadRule } }],
    ['entity rule without defaults', { entities: { AgentThread: { autoCreate: [] } } }],
    ['entity rule autoCreate not an array', { entities: { AgentThread: { autoCreate: 'x-', defaults: () => ({}) } } }],
    ['empty prefix', { entities: { AgentThread: { autoCreate: [{ prefix: '', label: 'x' }], defaults: () => ({}) } } }],
    ['prefix with non-ASCII', { entities: { AgentThread: { autoCreate: [{ prefix: 't\u0435st-', label: 'x' }], defaults: () => ({}) } } }],
    ['empty label', { entities: { AgentThread: { autoCreate: [{ prefix: 'x-', label: '' }], defaults: () => ({}) } } }],
    ['duplicate prefix', { entities: { AgentThread: { autoCreate: [{ prefix: 'x-', label: 'a' }, { prefix: 'x-', label: 'b' }], defaults: () => ({}) } } }],
    ['prefix as long as maxIdLength', { maxIdLength: 4, entities: { User: { autoCreate: [{ prefix: 'abcd', label: 'a' }], defaults: () => ({}) } } }],
    ['defaults that throw', { entities: { AgentThread: { ...threadRule, defaults: () => { throw new Error('boom'); } } } }],
    ['defaults returning null', { entities: { AgentThread: { ...threadRule, defaults: () => null } } }],
    ['defaults returning an array', { entities: { AgentThread: { ...threadRule, defaults: () => [] } } }],
    ['User rule with a label that has no role', { entities: { User: { autoCreate: [{ prefix: 'ci-', label: 'ci' }], defaults: (): Record<string, unknown> => { throw new PolicyConfigurationError('no role'); } } } }],
  ])('throws PolicyConfigurationError for %s', (_label, options) => {
    let thrown: unknown;
    try {
      createPolicyConfig(options as ProvisioningPolicyOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PolicyConfigurationError);
    expect(thrown).toMatchObject({ code: 'POLICY_CONFIGURATION_INVALID', name: 'PolicyConfigurationError' });
  });

  it('explains why production cannot be added', () => {
    expect(() => createPolicyConfig({ autoCreateEnvironments: ['production'] })).toThrow(
      'autoCreateEnvironments may only contain development and test (it can be narrowed, never widened), got "production".',
    );
  });

  it('keeps the cause when a defaults probe throws', () => {
    const boom = new Error('boom');
    let thrown: unknown;
    try {
      createPolicyConfig({ entities: { AgentThread: { ...threadRule, defaults: () => { throw boom; } } } });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).cause).toBe(boom);
  });
});

describe('normalizePolicyConfig', () => {
  it('returns an already validated config as is', () => {
    expect(normalizePolicyConfig(DEFAULT_POLICY_CONFIG)).toBe(DEFAULT_POLICY_CONFIG);
  });

  it('freezes a hand-built config without freezing the input', () => {
    const input = {
      entities: { AgentThread: threadRule },
      ephemeralRunPrefix: 'run_',
      autoCreateEnvironments: ['test' as const, 'test' as const],
      maxIdLength: 128,
    };
    const config = normalizePolicyConfig(input);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(input)).toBe(false);
    expect(config.autoCreateEnvironments).toEqual(['test']);
  });
});

describe('ruleForEntity', () => {
  it('finds own rules only', () => {
    expect(ruleForEntity(DEFAULT_POLICY_CONFIG, 'User')).toBe(DEFAULT_POLICY_CONFIG.entities['User']);
    expect(ruleForEntity(DEFAULT_POLICY_CONFIG, 'user')).toBeUndefined();
    expect(ruleForEntity(DEFAULT_POLICY_CONFIG, 'toString')).toBeUndefined();
    expect(ruleForEntity(DEFAULT_POLICY_CONFIG, '__proto__')).toBeUndefined();
  });
});

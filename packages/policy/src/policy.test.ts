import { DEFAULT_POLICY_CONFIG } from './config';
import type { ProvisioningPolicyConfig } from './config';
import type { DecisionKind, ProvisioningDecision, ProvisioningRequest, ReasonCode } from './decision';
import type { Environment } from './environment';
import { PolicyConfigurationError } from './errors';
import { createProvisioningPolicy, decideProvisioning, UserProvisioningPolicy } from './policy';

const ENVS: Environment[] = ['development', 'test', 'staging', 'production', 'unknown'];
const policy = createProvisioningPolicy();

function decide(id: unknown, environment: Environment, runId?: unknown, entity = 'User'): ProvisioningDecision {
  return policy.decide({ entity, id, runId }, { environment });
}

function outcome(d: ProvisioningDecision): [DecisionKind, ReasonCode] {
  return [d.kind, d.code];
}

describe('decideProvisioning: environment x id matrix (default policy)', () => {
  const expectations: Record<string, Record<Environment, [DecisionKind, ReasonCode]>> = {
    'dev-temp-a4327ed3': {
      development: ['create-if-missing', 'AUTO_CREATE_ALLOWED'],
      test: ['create-if-missing', 'AUTO_CREATE_ALLOWED'],
      staging: ['require-existing', 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED'],
      production: ['reject', 'DEV_ID_IN_PRODUCTION'],
      unknown: ['require-existing', 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED'],
    },
    'test-alice': {
      development: ['create-if-missing', 'AUTO_CREATE_ALLOWED'],
      test: ['create-if-missing', 'AUTO_CREATE_ALLOWED'],
      staging: ['require-existing', 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED'],
      production: ['reject', 'DEV_ID_IN_PRODUCTION'],
      unknown: ['require-existing', 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED'],
    },
    'user_8f3a': Object.fromEntries(ENVS.map((env) => [env, ['require-existing', 'NO_AUTO_CREATE_RULE']])) as Record<Environment, [DecisionKind, ReasonCode]>,
  };
  const rows = Object.entries(expectations).flatMap(([id, byEnv]) =>
    ENVS.map((env) => [id, env, ...byEnv[env]] as const),
  );

  it.each(rows)('%p in %s -> %s %s', (id, env, kind, code) => {
    const d = decide(id, env);
    expect(outcome(d)).toEqual([kind, code]);
    expect(d.environment).toBe(env);
    expect(d.id).toBe(id);
    expect(d.entity).toBe('User');
  });
});

describe('decideProvisioning: tricky ids', () => {
  const long128 = `test-${'a'.repeat(123)}`;
  const long129 = `test-${'a'.repeat(124)}`;
  it.each<[string, unknown, [DecisionKind, ReasonCode], [DecisionKind, ReasonCode]]>([
    // label, id, in development, in production
    ['TEST-x (case)', 'TEST-x', ['require-existing', 'NO_AUTO_CREATE_RULE'], ['require-existing', 'NO_AUTO_CREATE_RULE']],
    ['Dev-Temp-x (case)', 'Dev-Temp-x', ['require-existing', 'NO_AUTO_CREATE_RULE'], ['require-existing', 'NO_AUTO_CREATE_RULE']],
    ['leading space', ' test-x', ['reject', 'INVALID_ID_WHITESPACE'], ['reject', 'INVALID_ID_WHITESPACE']],
    ['trailing space', 'test-x ', ['reject', 'INVALID_ID_WHITESPACE'], ['reject', 'INVALID_ID_WHITESPACE']],
    ['dev-temp without dash', 'dev-temp', ['require-existing', 'NO_AUTO_CREATE_RULE'], ['require-existing', 'NO_AUTO_CREATE_RULE']],
    ['dev-tempx', 'dev-tempx', ['require-existing', 'NO_AUTO_CREATE_RULE'], ['require-existing', 'NO_AUTO_CREATE_RULE']],
    ['bare dev-temp- prefix', 'dev-temp-', ['require-existing', 'NO_AUTO_CREATE_RULE'], ['require-existing', 'NO_AUTO_CREATE_RULE']],
    ['bare test- prefix', 'test-', ['require-existing', 'NO_AUTO_CREATE_RULE'], ['require-existing', 'NO_AUTO_CREATE_RULE']],
    ['shortest match', 'test-1', ['create-if-missing', 'AUTO_CREATE_ALLOWED'], ['reject', 'DEV_ID_IN_PRODUCTION']],
    ['Cyrillic е in dev-tеmp-x', 'dev-t\u0435mp-x', ['reject', 'INVALID_ID_CHARACTER'], ['reject', 'INVALID_ID_CHARACTER']],
    ['fullwidth test-x', '\uFF54\uFF45\uFF53\uFF54-x', ['reject', 'INVALID_ID_CHARACTER'], ['reject', 'INVALID_ID_CHARACTER']],
    ['NUL', 'test-\u0000x', ['reject', 'INVALID_ID_CONTROL_CHARACTER'], ['reject', 'INVALID_ID_CONTROL_CHARACTER']],
    ['tab', 'test-\tx', ['reject', 'INVALID_ID_WHITESPACE'], ['reject', 'INVALID_ID_WHITESPACE']],
    ['newline', 'test-x\n', ['reject', 'INVALID_ID_WHITESPACE'], ['reject', 'INVALID_ID_WHITESPACE']],
    ['DEL', 'test-x\u007F', ['reject', 'INVALID_ID_CONTROL_CHARACTER'], ['reject', 'INVALID_ID_CONTROL_CHARACTER']],
    ['U+00A0', 'test-\u00A0x', ['reject', 'INVALID_ID_WHITESPACE'], ['reject', 'INVALID_ID_WHITESPACE']],
    ['U+2003', 'test-\u2003x', ['reject', 'INVALID_ID_WHITESPACE'], ['reject', 'INVALID_ID_WHITESPACE']],
    ['128 characters', long128, ['create-if-missing', 'AUTO_CREATE_ALLOWED'], ['reject', 'DEV_ID_IN_PRODUCTION']],
    ['129 characters', long129, ['reject', 'INVALID_ID_TOO_LONG'], ['reject', 'INVALID_ID_TOO_LONG']],
    ['empty', '', ['reject', 'INVALID_ID_EMPTY'], ['reject', 'INVALID_ID_EMPTY']],
    ['number', 42, ['reject', 'INVALID_ID_TYPE'], ['reject', 'INVALID_ID_TYPE']],
    ['null', null, ['reject', 'INVALID_ID_TYPE'], ['reject', 'INVALID_ID_TYPE']],
    ['undefined', undefined, ['reject', 'INVALID_ID_TYPE'], ['reject', 'INVALID_ID_TYPE']],
    ['object', { id: 'test-x' }, ['reject', 'INVALID_ID_TYPE'], ['reject', 'INVALID_ID_TYPE']],
    ['array', ['test-x'], ['reject', 'INVALID_ID_TYPE'], ['reject', 'INVALID_ID_TYPE']],
  ])('%s', (_label, id, inDevelopment, inProduction) => {
    expect(outcome(decide(id, 'development'))).toEqual(inDevelopment);
    expect(outcome(decide(id, 'production'))).toEqual(inProduction);
  });

  it('reports invalid ids in a safe display form, not raw', () => {
    expect(decide('test-\u0000x', 'development').id).toBe('"test-\\u{0}x"');
    expect(decide(42, 'development').id).toBe('number 42');
    expect(decide(undefined, 'development').id).toBe('undefined');
    expect(decide('x'.repeat(500), 'development').id).toBe(`"${'x'.repeat(64)}"… (500 characters)`);
  });
});

describe('decideProvisioning: ephemeral runs', () => {
  it.each(ENVS)('run_abc is skipped in %s', (env) => {
    const d = decide('test-alice', env, 'run_abc');
    expect(d).toEqual({
      kind: 'skip',
      entity: 'User',
      id: 'test-alice',
      code: 'EPHEMERAL_RUN',
      environment: env,
      reason: 'Run "run_abc" is ephemeral (its id starts with "run_"), so the save is skipped and User "test-alice" is neither looked up nor created.',
    });
  });

  it.each<[string, unknown]>([
    ['RUN_abc (case)', 'RUN_abc'],
    ['run-abc (dash)', 'run-abc'],
    [' run_abc (leading space)', ' run_abc'],
    ['xrun_abc', 'xrun_abc'],
    ['number', 7],
    ['null', null],
    ['object', { runId: 'run_abc' }],
    ['undefined', undefined],
  ])('%s is not ephemeral', (_label, runId) => {
    expect(outcome(decide('test-alice', 'development', runId))).toEqual(['create-if-missing', 'AUTO_CREATE_ALLOWED']);
    expect(outcome(decide('alice', 'production', runId))).toEqual(['require-existing', 'NO_AUTO_CREATE_RULE']);
  });

  it('treats the bare prefix run_ as ephemeral (starts with)', () => {
    expect(outcome(decide('alice', 'production', 'run_'))).toEqual(['skip', 'EPHEMERAL_RUN']);
  });

  it('validates the id before skipping', () => {
    expect(outcome(decide('', 'development', 'run_abc'))).toEqual(['reject', 'INVALID_ID_EMPTY']);
  });

  it('skips before looking at the entity rule', () => {
    expect(outcome(decide('thread-1', 'production', 'run_abc', 'AgentThread'))).toEqual(['skip', 'EPHEMERAL_RUN']);
  });
});

describe('decideProvisioning: entities', () => {
  it.each(['AgentThread', 'user', 'USER', 'toString', '__proto__', 'constructor'])(
    'an entity without a rule (%p) requires an existing row',
    (entity) => {
      expect(outcome(decide('test-alice', 'development', undefined, entity))).toEqual(['require-existing', 'NO_AUTO_CREATE_RULE']);
    },
  );

  it.each<[string, unknown]>([['empty', ''], ['number', 1], ['undefined', undefined], ['null', null]])(
    'a %s entity is rejected as UNKNOWN_ENTITY',
    (_label, entity) => {
      const d = policy.decide({ entity, id: 'test-alice' } as ProvisioningRequest, { environment: 'development' });
      expect(outcome(d)).toEqual(['reject', 'UNKNOWN_ENTITY']);
    },
  );

  it('survives a non-object request from an untyped caller', () => {
    expect(outcome(policy.decide(undefined as unknown as ProvisioningRequest, { environment: 'development' }))).toEqual(['reject', 'UNKNOWN_ENTITY']);
  });
});

describe('decideProvisioning: exact decisions', () => {
  it('create-if-missing carries the match and the row defaults', () => {
    expect(decide('dev-temp-a4327ed3', 'development')).toEqual({
      kind: 'create-if-missing',
      entity: 'User',
      id: 'dev-temp-a4327ed3',
      code: 'AUTO_CREATE_ALLOWED',
      environment: 'development',
      match: { prefix: 'dev-temp-', label: 'dev-temp' },
      defaults: { email: 'dev-temp-a4327ed3@auto-provisioned.invalid', role: 'developer', autoProvisioned: true },
      reason: 'User "dev-temp-a4327ed3" matches auto-create prefix "dev-temp-" (dev-temp) and auto-creation is allowed in development, so a missing row may be created.',
    });
    expect(decide('test-alice', 'test')).toMatchObject({
      defaults: { email: 'test-alice@auto-provisioned.invalid', role: 'tester', autoProvisioned: true },
    });
  });

  it('production refuses a dev/test id and says how to fix it', () => {
    expect(decide('test-alice', 'production')).toEqual({
      kind: 'reject',
      entity: 'User',
      id: 'test-alice',
      code: 'DEV_ID_IN_PRODUCTION',
      environment: 'production',
      match: { prefix: 'test-', label: 'test' },
      reason: 'User "test-alice" looks like a test id (prefix "test-") and such ids are never auto-created in production; the save is refused. Use a real User id, or run with AGENT_STATE_ENV=development or test.',
    });
  });

  it('staging requires an existing row and says how to fix it', () => {
    expect(decide('test-alice', 'staging').reason).toBe(
      'User "test-alice" matches auto-create prefix "test-" (test), but auto-creation is not allowed in staging, so it must already exist. Set AGENT_STATE_ENV=development or test to allow auto-creation, or create the User first.',
    );
  });

  it('unknown explains the environment variables', () => {
    expect(decide('dev-temp-1', 'unknown').reason).toBe(
      'User "dev-temp-1" matches auto-create prefix "dev-temp-" (dev-temp), but the environment is unknown (AGENT_STATE_ENV, else NODE_ENV, is unset or not exactly development, test, staging or production), so it must already exist. Set AGENT_STATE_ENV=development or test to allow auto-creation, or create the User first.',
    );
  });

  it('no prefix lists the prefixes', () => {
    expect(decide('alice', 'development')).toEqual({
      kind: 'require-existing',
      entity: 'User',
      id: 'alice',
      code: 'NO_AUTO_CREATE_RULE',
      environment: 'development',
      reason: 'User "alice" does not start with an auto-create prefix ("dev-temp-", "test-", each followed by at least one character), so it must already exist; create the User first.',
    });
  });

  it('an entity without a rule says so', () => {
    expect(decide('thread-1', 'development', undefined, 'AgentThread').reason).toBe(
      'AgentThread has no auto-create rule, so AgentThread "thread-1" must already exist; create it before saving.',
    );
  });

  it('invalid ids name the entity, the problem and the allowed set', () => {
    expect(decide('test-\u00A0x', 'development').reason).toBe(
      'User id "test-\\u{A0}x" is invalid: it contains whitespace (U+00A0 at index 5). Ids must be 1 to 128 characters from A-Z a-z 0-9 _ - . : @ (ASCII only). The save is refused.',
    );
  });

  it('escapes odd entity names in reasons', () => {
    expect(decide('x', 'development', undefined, 'a\u0000b').reason).toBe(
      '"a\\u{0}b" has no auto-create rule, so "a\\u{0}b" "x" must already exist; create it before saving.',
    );
  });
});

describe('decideProvisioning: context', () => {
  it.each<[string, unknown]>([
    ['misspelt environment', { environment: 'Production' }],
    ['missing environment', {}],
    ['undefined context', undefined],
    ['null context', null],
  ])('a %s counts as unknown', (_label, context) => {
    const d = policy.decide({ entity: 'User', id: 'test-alice' }, context as { environment: Environment });
    expect(outcome(d)).toEqual(['require-existing', 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED']);
    expect(d.environment).toBe('unknown');
  });
});

describe('config overrides', () => {
  it('custom email domain', () => {
    const custom = createProvisioningPolicy({ emailDomain: 'dev.example.test' });
    expect(custom.decide({ entity: 'User', id: 'test-bob' }, { environment: 'test' })).toMatchObject({
      kind: 'create-if-missing',
      defaults: { email: 'test-bob@dev.example.test', role: 'tester', autoProvisioned: true },
    });
  });

  it('custom roles per prefix label', () => {
    const custom = createProvisioningPolicy({ roles: { 'dev-temp': 'admin', test: 'qa' } });
    expect(custom.decide({ entity: 'User', id: 'dev-temp-1' }, { environment: 'development' })).toMatchObject({
      defaults: { email: 'dev-temp-1@auto-provisioned.invalid', role: 'admin', autoProvisioned: true },
    });
    expect(custom.decide({ entity: 'User', id: 'test-1' }, { environment: 'development' })).toMatchObject({ defaults: { role: 'qa' } });
  });

  describe('custom entity AgentThread', () => {
    const custom = createProvisioningPolicy({
      entities: {
        AgentThread: {
          autoCreate: [{ prefix: 'thread-dev-', label: 'dev-thread' }],
          defaults: (id, match) => ({ title: `auto ${id}`, origin: match.label }),
        },
      },
    });

    it.each<[string, Environment, [DecisionKind, ReasonCode]]>([
      ['thread-dev-42', 'development', ['create-if-missing', 'AUTO_CREATE_ALLOWED']],
      ['thread-dev-42', 'production', ['reject', 'DEV_ID_IN_PRODUCTION']],
      ['thread-dev-42', 'staging', ['require-existing', 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED']],
      ['thread-42', 'development', ['require-existing', 'NO_AUTO_CREATE_RULE']],
      ['test-alice', 'development', ['require-existing', 'NO_AUTO_CREATE_RULE']],
    ])('%p in %s', (id, environment, expected) => {
      expect(outcome(custom.decide({ entity: 'AgentThread', id }, { environment }))).toEqual(expected);
    });

    it('uses its own defaults and keeps User', () => {
      expect(custom.decide({ entity: 'AgentThread', id: 'thread-dev-42' }, { environment: 'test' })).toMatchObject({
        entity: 'AgentThread',
        defaults: { title: 'auto thread-dev-42', origin: 'dev-thread' },
      });
      expect(outcome(custom.decide({ entity: 'User', id: 'test-a' }, { environment: 'test' }))).toEqual(['create-if-missing', 'AUTO_CREATE_ALLOWED']);
    });
  });

  describe("narrowing autoCreateEnvironments to ['test']", () => {
    const testOnly = createProvisioningPolicy({ autoCreateEnvironments: ['test'] });

    it.each<[Environment, [DecisionKind, ReasonCode]]>([
      ['test', ['create-if-missing', 'AUTO_CREATE_ALLOWED']],
      ['development', ['require-existing', 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED']],
      ['staging', ['require-existing', 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED']],
      ['unknown', ['require-existing', 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED']],
      ['production', ['reject', 'DEV_ID_IN_PRODUCTION']],
    ])('%s -> %p', (environment, expected) => {
      expect(outcome(testOnly.decide({ entity: 'User', id: 'test-alice' }, { environment }))).toEqual(expected);
    });

    it('suggests only the allowed environment', () => {
      expect(testOnly.decide({ entity: 'User', id: 'test-alice' }, { environment: 'development' }).reason).toBe(
        'User "test-alice" matches auto-create prefix "test-" (test), but auto-creation is not allowed in development, so it must already exist. Set AGENT_STATE_ENV=test to allow auto-creation, or create the User first.',
      );
    });
  });

  it('narrowing to [] disables auto-creation everywhere', () => {
    const none = createProvisioningPolicy({ autoCreateEnvironments: [] });
    const d = none.decide({ entity: 'User', id: 'test-alice' }, { environment: 'test' });
    expect(outcome(d)).toEqual(['require-existing', 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED']);
    expect(d.reason).toContain('This policy allows auto-creation in no environment; create the User first.');
  });

  it.each([['production'], ['staging'], ['unknown']])('adding %s throws PolicyConfigurationError', (env) => {
    expect(() => createProvisioningPolicy({ autoCreateEnvironments: ['development', env as Environment] })).toThrow(PolicyConfigurationError);
    expect(() => new UserProvisioningPolicy({ autoCreateEnvironments: [env as Environment] })).toThrow(PolicyConfigurationError);
  });

  it('custom ephemeral prefix replaces run_', () => {
    const custom = createProvisioningPolicy({ ephemeralRunPrefix: 'tmp-' });
    expect(outcome(custom.decide({ entity: 'User', id: 'alice', runId: 'tmp-1' }, { environment: 'production' }))).toEqual(['skip', 'EPHEMERAL_RUN']);
    expect(outcome(custom.decide({ entity: 'User', id: 'alice', runId: 'run_1' }, { environment: 'production' }))).toEqual(['require-existing', 'NO_AUTO_CREATE_RULE']);
  });

  it('custom maxIdLength', () => {
    const custom = createProvisioningPolicy({ maxIdLength: 10 });
    expect(outcome(custom.decide({ entity: 'User', id: 'test-12345' }, { environment: 'test' }))).toEqual(['create-if-missing', 'AUTO_CREATE_ALLOWED']);
    expect(outcome(custom.decide({ entity: 'User', id: 'test-123456' }, { environment: 'test' }))).toEqual(['reject', 'INVALID_ID_TOO_LONG']);
  });
});

describe('immutability and purity', () => {
  it('the policy object and its config cannot be changed', () => {
    const p = createProvisioningPolicy();
    expect(Object.isFrozen(p)).toBe(true);
    expect(() => { (p as { config: unknown }).config = { ...DEFAULT_POLICY_CONFIG, autoCreateEnvironments: ['production'] }; }).toThrow(TypeError);
    expect(() => { (p.config.autoCreateEnvironments as Environment[]).push('production'); }).toThrow(TypeError);
    expect(() => { (p.config as { ephemeralRunPrefix: string }).ephemeralRunPrefix = ''; }).toThrow(TypeError);
    expect(outcome(p.decide({ entity: 'User', id: 'test-alice' }, { environment: 'production' }))).toEqual(['reject', 'DEV_ID_IN_PRODUCTION']);
    expect(outcome(p.decide({ entity: 'User', id: 'alice', runId: 'x' }, { environment: 'production' }))).toEqual(['require-existing', 'NO_AUTO_CREATE_RULE']);
  });

  it('mutating the options after construction has no effect', () => {
    const options = { autoCreateEnvironments: ['test'] as Environment[], roles: { test: 'qa' } };
    const p = createProvisioningPolicy(options);
    options.autoCreateEnvironments.push('development');
    options.roles.test = 'root';
    expect(outcome(p.decide({ entity: 'User', id: 'test-a' }, { environment: 'development' }))).toEqual(['require-existing', 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED']);
    expect(p.decide({ entity: 'User', id: 'test-a' }, { environment: 'test' })).toMatchObject({ defaults: { role: 'qa' } });
  });

  it('decisions are frozen and defaults are fresh per decision', () => {
    const first = decide('test-alice', 'test');
    expect(Object.isFrozen(first)).toBe(true);
    if (first.kind !== 'create-if-missing') throw new Error('expected create-if-missing');
    expect(() => { (first.defaults as Record<string, unknown>)['role'] = 'admin'; }).toThrow(TypeError);
    expect(() => { (first as { kind: string }).kind = 'skip'; }).toThrow(TypeError);
    const second = decide('test-alice', 'test');
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
  });

  it('does not read process.env while deciding', () => {
    const saved = process.env.AGENT_STATE_ENV;
    try {
      process.env.AGENT_STATE_ENV = 'production';
      expect(outcome(decide('test-alice', 'development'))).toEqual(['create-if-missing', 'AUTO_CREATE_ALLOWED']);
      process.env.AGENT_STATE_ENV = 'development';
      expect(outcome(decide('test-alice', 'production'))).toEqual(['reject', 'DEV_ID_IN_PRODUCTION']);
    } finally {
      if (saved === undefined) delete process.env.AGENT_STATE_ENV;
      else process.env.AGENT_STATE_ENV = saved;
    }
  });

  it('decideProvisioning with the default config equals the default policy', () => {
    for (const env of ENVS) {
      const request = { entity: 'User', id: 'dev-temp-9' };
      expect(decideProvisioning(DEFAULT_POLICY_CONFIG, request, { environment: env })).toEqual(policy.decide(request, { environment: env }));
    }
  });
});

describe('decideProvisioning with hand-built configs', () => {
  const base: ProvisioningPolicyConfig = {
    entities: { User: { autoCreate: [{ prefix: 'qa-', label: 'qa' }], defaults: (id) => ({ email: `${id}@x.invalid` }) } },
    ephemeralRunPrefix: 'run_',
    autoCreateEnvironments: ['development'],
    maxIdLength: 32,
  };

  it('uses a valid hand-built config', () => {
    expect(decideProvisioning(base, { entity: 'User', id: 'qa-1' }, { environment: 'development' })).toMatchObject({
      kind: 'create-if-missing',
      defaults: { email: 'qa-1@x.invalid' },
    });
    expect(outcome(decideProvisioning(base, { entity: 'User', id: 'qa-1' }, { environment: 'test' }))).toEqual(['require-existing', 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED']);
  });

  it.each<[string, ProvisioningPolicyConfig]>([
    ['production allowed', { ...base, autoCreateEnvironments: ['production'] }],
    ['staging allowed', { ...base, autoCreateEnvironments: ['development', 'staging'] }],
    ['bad maxIdLength', { ...base, maxIdLength: -1 }],
    ['empty run prefix', { ...base, ephemeralRunPrefix: '' }],
  ])('refuses a hand-built config with %s', (_label, config) => {
    expect(() => decideProvisioning(config, { entity: 'User', id: 'qa-1' }, { environment: 'production' })).toThrow(PolicyConfigurationError);
  });

  it('throws when a rule returns a non-object row at decision time', () => {
    const config: ProvisioningPolicyConfig = { ...base, entities: { User: { ...base.entities['User']!, defaults: () => null as unknown as Record<string, unknown> } } };
    expect(() => decideProvisioning(config, { entity: 'User', id: 'qa-1' }, { environment: 'development' })).toThrow(PolicyConfigurationError);
  });
});

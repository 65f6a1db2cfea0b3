import { ENVIRONMENTS, isEnvironment, resolveEnvironment } from './environment';
import type { Environment } from './environment';

describe('resolveEnvironment', () => {
  it.each<[string, Record<string, string | undefined>, Environment]>([
    ['NODE_ENV=development', { NODE_ENV: 'development' }, 'development'],
    ['NODE_ENV=test', { NODE_ENV: 'test' }, 'test'],
    ['NODE_ENV=staging', { NODE_ENV: 'staging' }, 'staging'],
    ['NODE_ENV=production', { NODE_ENV: 'production' }, 'production'],
    ['both unset', {}, 'unknown'],
    ['NODE_ENV explicitly undefined', { NODE_ENV: undefined }, 'unknown'],
    ['NODE_ENV empty', { NODE_ENV: '' }, 'unknown'],
    ['NODE_ENV=Production (case)', { NODE_ENV: 'Production' }, 'unknown'],
    ['NODE_ENV=" production" (leading space)', { NODE_ENV: ' production' }, 'unknown'],
    ['NODE_ENV="production " (trailing space)', { NODE_ENV: 'production ' }, 'unknown'],
    ['NODE_ENV=prod', { NODE_ENV: 'prod' }, 'unknown'],
    ['NODE_ENV=dev', { NODE_ENV: 'dev' }, 'unknown'],
    ['NODE_ENV=TEST', { NODE_ENV: 'TEST' }, 'unknown'],
    ['NODE_ENV=unknown (not a real input)', { NODE_ENV: 'unknown' }, 'unknown'],
    ['AGENT_STATE_ENV=development', { AGENT_STATE_ENV: 'development' }, 'development'],
    ['AGENT_STATE_ENV overrides NODE_ENV (production -> test)', { AGENT_STATE_ENV: 'test', NODE_ENV: 'production' }, 'test'],
    ['AGENT_STATE_ENV overrides NODE_ENV (development -> production)', { AGENT_STATE_ENV: 'production', NODE_ENV: 'development' }, 'production'],
    ['AGENT_STATE_ENV=staging overrides NODE_ENV=test', { AGENT_STATE_ENV: 'staging', NODE_ENV: 'test' }, 'staging'],
    ['unrecognised AGENT_STATE_ENV does not fall back to NODE_ENV', { AGENT_STATE_ENV: 'dev', NODE_ENV: 'development' }, 'unknown'],
    ['empty AGENT_STATE_ENV does not fall back to NODE_ENV', { AGENT_STATE_ENV: '', NODE_ENV: 'development' }, 'unknown'],
    ['undefined AGENT_STATE_ENV falls back to NODE_ENV', { AGENT_STATE_ENV: undefined, NODE_ENV: 'test' }, 'test'],
  ])('%s -> %s', (_label, env, expected) => {
    expect(resolveEnvironment(env)).toBe(expected);
  });

  it('reads process.env by default', () => {
    const saved = { AGENT_STATE_ENV: process.env.AGENT_STATE_ENV, NODE_ENV: process.env.NODE_ENV };
    try {
      process.env.AGENT_STATE_ENV = 'staging';
      expect(resolveEnvironment()).toBe('staging');
      delete process.env.AGENT_STATE_ENV;
      process.env.NODE_ENV = 'production';
      expect(resolveEnvironment()).toBe('production');
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it.each([null, 42, 'production'])('fails closed for a non-object env %p', (env) => {
    expect(resolveEnvironment(env as unknown as Record<string, string>)).toBe('unknown');
  });

  it('ignores non-string values from untyped callers', () => {
    expect(resolveEnvironment({ NODE_ENV: ['production'] } as unknown as Record<string, string>)).toBe('unknown');
  });
});

describe('isEnvironment', () => {
  it.each(ENVIRONMENTS.map((env) => [env]))('accepts %s', (env) => {
    expect(isEnvironment(env)).toBe(true);
  });

  it.each(['Production', 'prod', '', ' test', undefined, null, 1])('rejects %p', (value) => {
    expect(isEnvironment(value)).toBe(false);
  });

  it('lists exactly the five environments', () => {
    expect(ENVIRONMENTS).toEqual(['development', 'test', 'staging', 'production', 'unknown']);
  });
});

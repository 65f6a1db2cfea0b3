import { effectiveEnvironment } from './writeDecision';

describe('effectiveEnvironment: an option may narrow the process environment, never widen it', () => {
  it.each([
    // [process variables, option, effective, overruled?]
    [{ AGENT_STATE_ENV: 'development' }, undefined, 'development', false],
    [{ AGENT_STATE_ENV: 'development' }, 'test', 'test', false],
    [{ AGENT_STATE_ENV: 'development' }, 'production', 'production', false],
    [{ NODE_ENV: 'test' }, 'development', 'development', false],
    [{ AGENT_STATE_ENV: 'production' }, 'development', 'production', true],
    [{ AGENT_STATE_ENV: 'production', NODE_ENV: 'development' }, 'test', 'production', true],
    [{ AGENT_STATE_ENV: 'staging' }, 'development', 'staging', true],
    // unset or unrecognised: unknown, which never auto-creates, so 'development' would widen it
    [{}, 'development', 'unknown', true],
    [{ NODE_ENV: 'Production' }, 'test', 'unknown', true],
    [{}, 'production', 'production', false],
    [{}, undefined, 'unknown', false],
  ] as const)('process %j, option %s -> %s', (env, option, expected, overruled) => {
    const result = effectiveEnvironment(option, env);
    expect(result.environment).toBe(expected);
    expect(result.narrowedFrom !== undefined).toBe(overruled);
  });
});

import { DEFAULT_PORT, DEFAULT_TOKEN_TTL_SECONDS, parseDevTokenArgs, parseServeArgs, UsageError } from './args';

describe('parseServeArgs', () => {
  it('defaults to 127.0.0.1:3000, not public, and the service environment default', () => {
    expect(parseServeArgs([])).toEqual({ port: DEFAULT_PORT, host: '127.0.0.1', environment: undefined, public: false });
  });

  it('reads --port, --host, --public and --env, separate or with =', () => {
    expect(parseServeArgs(['--port', '8080', '--env=production', '--host=0.0.0.0', '--public'])).toEqual({ port: 8080, host: '0.0.0.0', environment: 'production', public: true });
  });

  it('refuses bad values and unknown flags', () => {
    expect(() => parseServeArgs(['--port', 'http'])).toThrow(UsageError);
    expect(() => parseServeArgs(['--port', '70000'])).toThrow('--port must be an integer 0..65535, got "70000"');
    expect(() => parseServeArgs(['--env', 'Production'])).toThrow('--env must be one of');
    expect(() => parseServeArgs(['--port'])).toThrow('--port needs a value');
    expect(() => parseServeArgs(['--verbose'])).toThrow('unknown argument "--verbose"');
    expect(() => parseServeArgs(['--public=yes'])).toThrow('--public takes no value');
    expect(() => parseServeArgs(['extra'])).toThrow('unknown argument "extra"');
  });
});

describe('parseDevTokenArgs', () => {
  it('reads the user id and an optional --ttl in seconds', () => {
    expect(parseDevTokenArgs(['dev-temp-alice'])).toEqual({ userId: 'dev-temp-alice', ttlSeconds: DEFAULT_TOKEN_TTL_SECONDS });
    expect(parseDevTokenArgs(['--ttl=60', 'test-bob'])).toEqual({ userId: 'test-bob', ttlSeconds: 60 });
  });

  it('refuses a missing id, extra arguments and a bad ttl', () => {
    expect(() => parseDevTokenArgs([])).toThrow('dev-token needs a user id');
    expect(() => parseDevTokenArgs(['a', 'b'])).toThrow('unknown argument "b"');
    expect(() => parseDevTokenArgs(['a', '--ttl', '0'])).toThrow('--ttl must be 1..86400 seconds, got "0"');
    expect(() => parseDevTokenArgs(['a', '--ttl', '90000'])).toThrow(UsageError);
    expect(() => parseDevTokenArgs(['a', '--exp', '1'])).toThrow('unknown argument "--exp"');
  });
});

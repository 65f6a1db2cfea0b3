import { DEFAULT_PORT, parseServeArgs, UsageError } from './args';

describe('parseServeArgs', () => {
  it('defaults to 127.0.0.1:3000 and the service environment default', () => {
    expect(parseServeArgs([])).toEqual({ port: DEFAULT_PORT, host: '127.0.0.1', environment: undefined });
  });

  it('reads --port, --host and --env, separate or with =', () => {
    expect(parseServeArgs(['--port', '8080', '--env=production', '--host=0.0.0.0'])).toEqual({ port: 8080, host: '0.0.0.0', environment: 'production' });
  });

  it('refuses bad values and unknown flags', () => {
    expect(() => parseServeArgs(['--port', 'http'])).toThrow(UsageError);
    expect(() => parseServeArgs(['--port', '70000'])).toThrow('--port must be an integer 0..65535, got "70000"');
    expect(() => parseServeArgs(['--env', 'Production'])).toThrow('--env must be one of');
    expect(() => parseServeArgs(['--port'])).toThrow('--port needs a value');
    expect(() => parseServeArgs(['--verbose'])).toThrow('unknown argument "--verbose"');
  });
});

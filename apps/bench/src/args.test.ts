import { DEFAULT_OUT, parseArgs, UsageError } from './args';

describe('parseArgs', () => {
  it('reads --warmup as a whole number of operations, and leaves it unset otherwise', () => {
    expect(parseArgs(['--warmup', '20']).warmup).toBe(20);
    expect(parseArgs(['--', '--quick', '--warmup', '0'])).toEqual({ quick: true, out: DEFAULT_OUT, help: false, warmup: 0 });
    expect(parseArgs([]).warmup).toBeUndefined();
  });

  it('refuses a --warmup without a whole number', () => {
    for (const argv of [['--warmup'], ['--warmup', 'many'], ['--warmup', '-1'], ['--warmup', '2.5']]) {
      expect(() => parseArgs(argv)).toThrow(UsageError);
    }
  });
});

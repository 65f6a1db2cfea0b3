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

  it('reads --only reads and --only storage, and refuses any other part', () => {
    expect(parseArgs(['--only', 'reads', '--quick'])).toEqual({ quick: true, out: DEFAULT_OUT, help: false, only: 'reads' });
    expect(parseArgs(['--only', 'storage']).only).toBe('storage');
    expect(parseArgs([]).only).toBeUndefined();
    for (const argv of [['--only'], ['--only', 'saves'], ['--only', '']]) expect(() => parseArgs(argv)).toThrow(UsageError);
  });

  it('reads --rtt as a list of round-trip times, repeatable, sorted and without duplicates', () => {
    expect(parseArgs(['--rtt', '1']).rtts).toEqual([1]);
    expect(parseArgs(['--rtt', '2,0', '--rtt', '0.5,2']).rtts).toEqual([0, 0.5, 2]);
    expect(parseArgs([]).rtts).toBeUndefined();
    for (const argv of [['--rtt'], ['--rtt', ''], ['--rtt', '-1'], ['--rtt', '1,x'], ['--rtt', '1,'], ['--rtt', '5000']]) {
      expect(() => parseArgs(argv)).toThrow(UsageError);
    }
  });
});

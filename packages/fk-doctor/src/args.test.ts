import { parseDoctorArgs, UsageError } from './args';

describe('parseDoctorArgs', () => {
  it('defaults to the text report over 7 days', () => {
    expect(parseDoctorArgs([])).toEqual({ json: false, days: 7, help: false });
  });

  it('reads --json, --days N / --days=N and -h, and ignores the `--` pnpm passes through', () => {
    expect(parseDoctorArgs(['--json', '--days', '30'])).toEqual({ json: true, days: 30, help: false });
    expect(parseDoctorArgs(['--', '--days=1'])).toEqual({ json: false, days: 1, help: false });
    expect(parseDoctorArgs(['-h']).help).toBe(true);
  });

  it('refuses bad days, unknown flags and positional arguments', () => {
    for (const days of ['0', '-3', '1.5', 'week', '', '36501']) {
      expect(() => parseDoctorArgs([`--days=${days}`])).toThrow(`--days must be a whole number of days from 1 to 36500, got "${days}"`);
    }
    expect(() => parseDoctorArgs(['--days', '-3'])).toThrow(UsageError); // node:util reads -3 as a flag
    expect(() => parseDoctorArgs(['--days'])).toThrow(UsageError);
    expect(() => parseDoctorArgs(['--verbose'])).toThrow(UsageError);
    expect(() => parseDoctorArgs(['extra'])).toThrow(UsageError);
  });
});

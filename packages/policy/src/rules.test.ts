import { PolicyConfigurationError } from './errors';
import { validateIdentifier } from './identifiers';
import {
  DEFAULT_EMAIL_DOMAIN,
  DEFAULT_USER_AUTO_CREATE,
  DEFAULT_USER_ROLES,
  emailLocalPart,
  matchAutoCreatePrefix,
  userRowDefaults,
} from './rules';
import type { EntityRule } from './rules';

const DEV = { prefix: 'dev-temp-', label: 'dev-temp' };
const TEST = { prefix: 'test-', label: 'test' };

describe('userRowDefaults', () => {
  it('builds the documented default row', () => {
    const defaults = userRowDefaults();
    expect(defaults('dev-temp-a4327ed3', DEV)).toEqual({
      email: 'dev-temp-a4327ed3@auto-provisioned.invalid',
      role: 'developer',
      autoProvisioned: true,
    });
    expect(defaults('test-alice', TEST)).toEqual({
      email: 'test-alice@auto-provisioned.invalid',
      role: 'tester',
      autoProvisioned: true,
    });
  });

  it('uses a custom domain and merges custom roles over the defaults', () => {
    const defaults = userRowDefaults({ emailDomain: 'example.test', roles: { test: 'qa' } });
    expect(defaults('test-bob', TEST)).toEqual({ email: 'test-bob@example.test', role: 'qa', autoProvisioned: true });
    expect(defaults('dev-temp-1', DEV)).toEqual({ email: 'dev-temp-1@example.test', role: 'developer', autoProvisioned: true });
  });

  it('throws for a label without a role', () => {
    const defaults = userRowDefaults();
    expect(() => defaults('ci-1', { prefix: 'ci-', label: 'ci' })).toThrow(PolicyConfigurationError);
    expect(userRowDefaults({ roles: { ci: 'robot' } })('ci-1', { prefix: 'ci-', label: 'ci' })).toMatchObject({ role: 'robot' });
  });

  it.each(['', '@example.com', 'a b.com', 'exa_mple.com', '-bad.com', 'bad-.com', 'a..b', 42])(
    'rejects email domain %p',
    (emailDomain) => {
      expect(() => userRowDefaults({ emailDomain: emailDomain as string })).toThrow(PolicyConfigurationError);
    },
  );

  it.each([{ test: '' }, { test: '   ' }, { test: 5 }, null, ['x']])('rejects roles %p', (roles) => {
    expect(() => userRowDefaults({ roles: roles as unknown as Record<string, string> })).toThrow(PolicyConfigurationError);
  });

  it('exports frozen defaults', () => {
    expect(DEFAULT_EMAIL_DOMAIN).toBe('auto-provisioned.invalid');
    expect(DEFAULT_USER_ROLES).toEqual({ 'dev-temp': 'developer', test: 'tester' });
    expect(DEFAULT_USER_AUTO_CREATE).toEqual([DEV, TEST]);
    expect(Object.isFrozen(DEFAULT_USER_ROLES)).toBe(true);
    expect(Object.isFrozen(DEFAULT_USER_AUTO_CREATE)).toBe(true);
    expect(Object.isFrozen(DEFAULT_USER_AUTO_CREATE[0])).toBe(true);
  });
});

describe('emailLocalPart', () => {
  it.each([
    ['test-alice', 'test-alice'],
    ['test-a.b', 'test-a.b'],
    ['test-a@b.com', 'test-a=40b.com'],
    ['test-tenant:1', 'test-tenant=3A1'],
    ['test-a..b', 'test-a.=2Eb'],
    ['test-x.', 'test-x=2E'],
    ['.x', '=2Ex'],
  ])('%p -> %p', (id, expected) => {
    expect(emailLocalPart(id)).toBe(expected);
  });

  it('keeps distinct valid ids distinct', () => {
    const ids = ['test-a@b', 'test-a:b', 'test-a.b', 'test-a..b', 'test-a.', 'test-a', 'test-a=40b'.replace('=', '_')];
    const parts = ids.map(emailLocalPart);
    expect(new Set(parts).size).toBe(ids.length);
  });

  it("relies on '=' never being valid in an id", () => {
    expect(validateIdentifier('test-a=40b')).toMatchObject({ ok: false, code: 'INVALID_ID_CHARACTER' });
  });
});

describe('matchAutoCreatePrefix', () => {
  const rule: EntityRule = { autoCreate: [DEV, TEST], defaults: () => ({}) };

  it.each<[string, typeof DEV | undefined]>([
    ['dev-temp-a4327ed3', DEV],
    ['test-alice', TEST],
    ['test-x', TEST],
    ['TEST-x', undefined],
    ['Test-x', undefined],
    ['dev-temp', undefined],
    ['dev-tempx', undefined],
    ['dev-temp-', undefined],
    ['test-', undefined],
    ['test', undefined],
    ['alice-test-x', undefined],
    ['dev-test-x', undefined],
  ])('%p -> %p', (id, expected) => {
    expect(matchAutoCreatePrefix(rule, id)).toEqual(expected);
  });

  it('prefers the longest overlapping prefix regardless of order', () => {
    const ci = { prefix: 'test-ci-', label: 'ci' };
    expect(matchAutoCreatePrefix({ autoCreate: [TEST, ci], defaults: () => ({}) }, 'test-ci-7')).toBe(ci);
    expect(matchAutoCreatePrefix({ autoCreate: [ci, TEST], defaults: () => ({}) }, 'test-ci-7')).toBe(ci);
    expect(matchAutoCreatePrefix({ autoCreate: [ci, TEST], defaults: () => ({}) }, 'test-ci-')).toBe(TEST);
  });
});

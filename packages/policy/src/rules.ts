import type { AutoCreateMatch } from './decision';
import { displayValue } from './display';
import { PolicyConfigurationError } from './errors';

/** An exact, case-sensitive id prefix that allows auto-creation, and its label. */
export type AutoCreatePrefix = AutoCreateMatch;

/** Builds the column values (besides the id) of a row to auto-create. Must be pure. */
export type RowDefaults = (id: string, match: AutoCreateMatch) => Record<string, unknown>;

/** Declarative auto-creation rule for one referenced entity (Prisma model). */
export interface EntityRule {
  /** Exact, case-sensitive prefixes; the longest matching one wins. */
  readonly autoCreate: readonly AutoCreatePrefix[];
  /** Column values for the row to create, from the id and the matched prefix. */
  readonly defaults: RowDefaults;
}

/** RFC 2606 reserves `.invalid`: these addresses can never be real mailboxes. */
export const DEFAULT_EMAIL_DOMAIN = 'auto-provisioned.invalid';

export const DEFAULT_USER_AUTO_CREATE: readonly AutoCreatePrefix[] = Object.freeze([
  Object.freeze({ prefix: 'dev-temp-', label: 'dev-temp' }),
  Object.freeze({ prefix: 'test-', label: 'test' }),
]);

/** Role per auto-create label of the default User rule. */
export const DEFAULT_USER_ROLES: Readonly<Record<string, string>> = Object.freeze({
  'dev-temp': 'developer',
  test: 'tester',
});

export interface UserRowDefaultsOptions {
  /** Domain of the generated email; default 'auto-provisioned.invalid'. */
  emailDomain?: string;
  /** Role per auto-create label, merged over DEFAULT_USER_ROLES. */
  roles?: Readonly<Record<string, string>>;
}

// Lowercase/uppercase letters, digits and inner hyphens per label, dot-separated.
const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Row defaults for an auto-created User:
 * `{ email: '<id>@<emailDomain>', role: roles[label], autoProvisioned: true }`.
 * Options are validated now, so a bad domain or role fails at construction.
 */
export function userRowDefaults(options: UserRowDefaultsOptions = {}): RowDefaults {
  const emailDomain = options.emailDomain ?? DEFAULT_EMAIL_DOMAIN;
  if (typeof emailDomain !== 'string' || !DOMAIN.test(emailDomain)) {
    throw new PolicyConfigurationError(
      `emailDomain must be a domain name such as "${DEFAULT_EMAIL_DOMAIN}" (no "@"), got ${displayValue(emailDomain)}.`,
    );
  }
  const roles = mergeRoles(options.roles);
  return (id, match) => {
    const role = Object.hasOwn(roles, match.label) ? roles[match.label] : undefined;
    if (role === undefined) {
      throw new PolicyConfigurationError(
        `No role is configured for auto-create label ${displayValue(match.label)}; pass roles: { ${JSON.stringify(match.label)}: '...' }.`,
      );
    }
    return { email: `${emailLocalPart(id)}@${emailDomain}`, role, autoProvisioned: true };
  };
}

function mergeRoles(overrides: unknown): Readonly<Record<string, string>> {
  const roles: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, DEFAULT_USER_ROLES);
  if (overrides === undefined) return Object.freeze(roles);
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new PolicyConfigurationError(`roles must be an object of label -> role, got ${displayValue(overrides)}.`);
  }
  for (const [label, role] of Object.entries(overrides)) {
    if (typeof role !== 'string' || role.trim().length === 0) {
      throw new PolicyConfigurationError(
        `Role for label ${displayValue(label)} must be a non-empty string, got ${displayValue(role)}.`,
      );
    }
    roles[label] = role;
  }
  return Object.freeze(roles);
}

/**
 * The id as an email local part. Ids are used verbatim except for the few id
 * characters a plain local part cannot hold: '@' -> '=40', ':' -> '=3A', and
 * a leading, trailing or doubled '.' -> '=2E'. '=' never occurs in a valid id,
 * so distinct ids still get distinct emails (the column is unique).
 */
export function emailLocalPart(id: string): string {
  let out = '';
  for (let i = 0; i < id.length; i += 1) {
    const char = id[i];
    if (char === '@') out += '=40';
    else if (char === ':') out += '=3A';
    else if (char === '.' && (i === 0 || i === id.length - 1 || id[i - 1] === '.')) out += '=2E';
    else out += char;
  }
  return out;
}

/**
 * The auto-create prefix `id` starts with, if any. Exact and case-sensitive;
 * the part after the prefix must be non-empty (`test-` alone does not match);
 * with overlapping prefixes the longest wins.
 */
export function matchAutoCreatePrefix(rule: EntityRule, id: string): AutoCreateMatch | undefined {
  let best: AutoCreateMatch | undefined;
  for (const candidate of rule.autoCreate) {
    if (id.length > candidate.prefix.length && id.startsWith(candidate.prefix)) {
      if (best === undefined || candidate.prefix.length > best.prefix.length) best = candidate;
    }
  }
  return best;
}

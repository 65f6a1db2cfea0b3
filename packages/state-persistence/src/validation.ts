import { validateIdentifier } from '@agentstate/policy';
import { InvalidInputError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Same rules as user ids (the policy's documented character set and length). */
export function requireIdentifier(value: unknown, field: string): string {
  const result = validateIdentifier(value);
  if (!result.ok) throw new InvalidInputError(field, result.reason, result.code);
  return result.id;
}

export function requireSnapshotId(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InvalidInputError(field, `expected a snapshot id (UUID string), got ${describeType(value)}`);
  if (!UUID.test(value)) throw new InvalidInputError(field, `"${value.slice(0, 64)}" is not a snapshot id (a UUID such as 0192f7c4-8a3b-4c5d-9e6f-123456789abc)`);
  return value.toLowerCase();
}

export function optionalSnapshotId(value: unknown, field: string): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  return requireSnapshotId(value, field);
}

export function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError(what, `expected an object, got ${describeType(value)}`);
  }
  return value as Record<string, unknown>;
}

export function requireInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new InvalidInputError(field, `expected an integer between ${min} and ${max}, got ${describeType(value)}`);
  if (value < min || value > max) throw new InvalidInputError(field, `${value} is out of range (${min} to ${max})`);
  return value;
}

export function requireDate(value: unknown, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new InvalidInputError(field, `expected a valid Date, got ${describeType(value)}`);
  return value;
}

/** Rejects keys the method does not know: a typo must not silently change what is saved or deleted. */
export function rejectUnknownKeys(input: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const unknown = Object.keys(input).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new InvalidInputError(what, `unknown option(s) ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')}; allowed: ${allowed.join(', ')}`);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : 'a Date';
  if (typeof value === 'number') return Number.isFinite(value) ? `the number ${value}` : `${value}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

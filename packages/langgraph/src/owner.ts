import { InvalidInputError } from '@agentstate/write-path';
import { validateIdentifier } from '@agentstate/policy';
import { MissingOwnerError } from './errors';
import { requireText } from './inputs';

/** The configurable keys the saver reads from a RunnableConfig. */
export interface SaverConfigurable {
  user_id?: unknown;
  thread_id?: unknown;
  checkpoint_ns?: unknown;
  checkpoint_id?: unknown;
}

/**
 * Whose checkpoint this is: the config's user_id, else the saver's scope
 * (forUser), else its defaultUserId. A scoped saver refuses a config naming
 * another user. Pure.
 */
export function resolveOwner(operation: string, configurable: SaverConfigurable | undefined, scope: { scopedUserId?: string; defaultUserId?: string }): string {
  const fromConfig = configurable?.user_id;
  if (fromConfig !== undefined && fromConfig !== null) {
    if (scope.scopedUserId !== undefined && fromConfig !== scope.scopedUserId) {
      throw new InvalidInputError('configurable.user_id', `this saver is scoped to user "${scope.scopedUserId}" (forUser) and was given a config for "${String(fromConfig)}"`);
    }
    return requireId(fromConfig, 'configurable.user_id');
  }
  const owner = scope.scopedUserId ?? scope.defaultUserId;
  if (owner === undefined) throw new MissingOwnerError(operation);
  return owner;
}

/** A user or thread id: 1 to 128 characters of A-Z a-z 0-9 _ - . : @ (the repo's identifier rule). */
export function requireId(value: unknown, field: string): string {
  const result = validateIdentifier(value);
  if (!result.ok) throw new InvalidInputError(field, result.reason, result.code);
  return result.id;
}

/** thread_id is required for writes and point reads. */
export function requireThreadId(configurable: SaverConfigurable | undefined): string {
  return requireId(configurable?.thread_id, 'configurable.thread_id');
}

/** checkpoint_ns: '' when absent. */
export function namespaceOf(configurable: SaverConfigurable | undefined): string {
  const ns = configurable?.checkpoint_ns;
  if (ns === undefined || ns === null) return '';
  return requireText(ns, 'configurable.checkpoint_ns');
}

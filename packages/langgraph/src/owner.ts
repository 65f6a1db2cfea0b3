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

/** Whose checkpoint this is, and whether the caller's config named that owner. */
export interface Owner {
  userId: string;
  /**
   * The config's user_id, echoed in every config the saver returns (tuple.config,
   * parentConfig, put's config): LangGraph hands those back for time travel
   * (`invoke(null, snapshot.config)`), so they must keep naming their owner.
   * Undefined when the owner came from the saver (forUser scope, defaultUserId):
   * such configs never carried a user, and still do not.
   */
  echo: string | undefined;
}

/**
 * Whose checkpoint this is: the config's user_id, else the saver's scope
 * (forUser), else its defaultUserId. A scoped saver refuses a config naming
 * another user. Pure.
 */
export function resolveOwner(operation: string, configurable: SaverConfigurable | undefined, scope: { scopedUserId?: string; defaultUserId?: string }): Owner {
  const fromConfig = configurable?.user_id;
  if (fromConfig !== undefined && fromConfig !== null) {
    if (scope.scopedUserId !== undefined && fromConfig !== scope.scopedUserId) {
      throw new InvalidInputError('configurable.user_id', `this saver is scoped to user "${scope.scopedUserId}" (forUser) and was given a config for "${String(fromConfig)}"`);
    }
    const userId = requireId(fromConfig, 'configurable.user_id');
    return { userId, echo: userId };
  }
  const owner = scope.scopedUserId ?? scope.defaultUserId;
  if (owner === undefined) throw new MissingOwnerError(operation);
  return { userId: owner, echo: undefined };
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

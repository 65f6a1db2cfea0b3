/**
 * LangGraph's values, checked before anything is written and before any
 * connection is taken, so hostile ones get the service's typed errors.
 * Namespaces, checkpoint and task ids, channels and versions are free-form in
 * LangGraph: only what PostgreSQL cannot store as given is refused
 * (INVALID_INPUT). A value the serializer cannot encode (nested deep enough
 * to exhaust the stack, a cycle) is STATE_NOT_SERIALIZABLE, as in the service.
 */
import { InvalidInputError, StateNotSerializableError, StatePersistenceError, unstorableText } from '@agentstate/write-path';
import type { ChannelVersions, Checkpoint, PendingWrite, SerializerProtocol } from '@langchain/langgraph-checkpoint';
import { checkpointJson, type Typed } from './codec';

const UNSTORABLE = 'UNSTORABLE_TEXT';

/** A string PostgreSQL text can hold as given. */
export function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InvalidInputError(field, `expected a string, got ${value === null ? 'null' : typeof value}`);
  const problem = unstorableText(value);
  if (problem !== null) throw new InvalidInputError(field, problem, UNSTORABLE);
  return value;
}

/** A config's checkpoint_id; undefined when absent, empty or not a string (the latest checkpoint). */
export function checkpointIdOf(configurable: { checkpoint_id?: unknown } | undefined, field = 'configurable.checkpoint_id'): string | undefined {
  const id = configurable?.checkpoint_id;
  return typeof id === 'string' && id !== '' ? requireText(id, field) : undefined;
}

// JSON.stringify writes NUL and lone surrogates as \u escapes (and nothing else jsonb refuses);
// an escape counts only when not preceded by an escaped backslash.
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f])/i;

/** put's ids and channel names, and the checkpoint as stored (everything but its channel values) as JSON. */
export function checkedCheckpointJson(checkpoint: Checkpoint, newVersions: ChannelVersions): string {
  if (requireText(checkpoint?.id, 'checkpoint.id') === '') throw new InvalidInputError('checkpoint.id', 'expected a non-empty id');
  for (const [channel, version] of Object.entries(newVersions ?? {})) {
    requireText(channel, 'newVersions (a channel name)');
    requireText(String(version), `newVersions.${channel}`);
  }
  let json: string;
  try {
    json = checkpointJson(checkpoint);
  } catch (error) {
    throw notSerializable('checkpoint', error);
  }
  if (UNSTORABLE_ESCAPE.test(json)) {
    throw new InvalidInputError('checkpoint', 'a string or key in it (e.g. a channel or node name) contains NUL or a lone surrogate, which PostgreSQL jsonb cannot store', UNSTORABLE);
  }
  return json;
}

/** putWrites' task, path and channel names. */
export function checkWrites(writes: PendingWrite[], taskId: unknown, taskPath: unknown): void {
  if (!Array.isArray(writes)) throw new InvalidInputError('writes', 'expected an array of [channel, value] pairs');
  requireText(taskId, 'taskId');
  requireText(taskPath, 'taskPath');
  writes.forEach((write, index) => requireText(Array.isArray(write) ? write[0] : undefined, `writes[${index}] (its channel)`));
}

/** The serializer's output, or StateNotSerializableError naming where the value sits. */
export async function serialized(serde: SerializerProtocol, value: unknown, path: string): Promise<Typed> {
  try {
    return await serde.dumpsTyped(value);
  } catch (error) {
    throw notSerializable(path, error);
  }
}

function notSerializable(path: string, error: unknown): StatePersistenceError {
  if (error instanceof StatePersistenceError) return error;
  if (error instanceof RangeError && /call stack/i.test(error.message)) return new StateNotSerializableError(path, 'it is nested too deeply to serialize (the call stack ran out)');
  return new StateNotSerializableError(path, `the serializer refused it (${error instanceof Error ? error.message.slice(0, 200) : String(error)})`);
}

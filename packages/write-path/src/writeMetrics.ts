/**
 * A write's metrics: its status and provisioning per row, its duration by
 * write path (steady: the fast path alone; provisioning: the ensure path was
 * asked; transaction: inside a transaction), and the same on the door's span.
 */
import type { Attempt, WriteManyResult, WriteOptions } from './attempts';
import type { WritePathContext } from './context';
import { ProvisioningRefusedError, UnknownUserError } from './errors';
import type { WritePathKind } from './telemetry';

/** Runs `write` with `attempt` observed (which path it took) and records what it did, or why it failed. */
export async function measuredWrite<T>(
  context: Pick<WritePathContext, 'telemetry' | 'door'>,
  attempt: Attempt<T>,
  writeOptions: WriteOptions,
  write: (observed: Attempt<T>) => Promise<WriteManyResult<T>>,
): Promise<WriteManyResult<T>> {
  const { telemetry, door } = context;
  const started = performance.now();
  let path: WritePathKind = writeOptions.transactional || writeOptions.callerTransaction ? 'transaction' : 'steady';
  const observed: Attempt<T> = (ensure) => {
    if (ensure !== null && path === 'steady') path = 'provisioning';
    return attempt(ensure);
  };
  try {
    const result = await write(observed);
    for (const provisioning of result.provisioning) telemetry.save(door, result.replayed ? 'replayed' : result.written ? 'saved' : 'failed', provisioning ?? 'none');
    const provisioning = result.provisioning.find((p) => p === 'created') ?? result.provisioning.find((p) => p !== null) ?? 'none';
    if (result.written) telemetry.saveDuration(door, path, (performance.now() - started) / 1000);
    telemetry.annotate({ 'agentstate.write_path': path, 'agentstate.provisioning': provisioning });
    return result;
  } catch (error) {
    const refused = error instanceof ProvisioningRefusedError || error instanceof UnknownUserError;
    telemetry.save(door, refused ? 'refused' : 'failed', 'none');
    throw error;
  }
}

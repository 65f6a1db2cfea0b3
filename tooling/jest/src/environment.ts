/**
 * Jest's node environment, plus one check: a test file fails when it leaves
 * a handle open (a pool's socket, a server, a child process, a ref'd timer)
 * after its last afterAll. Such a handle keeps the worker alive after the run
 * and is what Jest's "worker process has failed to exit gracefully" warns of,
 * without saying which file; this names the file and the handle.
 */
import { TestEnvironment } from 'jest-environment-node';
import { activeHandles, describeLeftOpen, HandlesLeftOpenError, recordTimers, settledLeftOpen } from './handles';

/** Sockets and children close asynchronously after close()/kill() resolve: give them this long. */
const SETTLE_MS = 3_000;

export default class CheckedNodeEnvironment extends TestEnvironment {
  private readonly testPath: string;
  private before = new Set<object>();
  private timers: ReturnType<typeof recordTimers> = new Set();

  constructor(...[config, context]: ConstructorParameters<typeof TestEnvironment>) {
    super(config, context);
    this.testPath = context.testPath;
  }

  override async setup(): Promise<void> {
    await super.setup();
    this.timers = recordTimers(this.global as unknown as Record<string, unknown>);
    this.before = activeHandles();
  }

  override async teardown(): Promise<void> {
    await super.teardown();
    const open = await settledLeftOpen(this.before, this.timers, SETTLE_MS);
    this.timers.clear();
    const details = describeLeftOpen(open);
    if (details.length > 0) throw new HandlesLeftOpenError(this.testPath, details);
  }
}
